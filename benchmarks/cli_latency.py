"""How long a new article takes to become answerable from the command line (issue 19, part 3).

Run ``.venv/bin/python benchmarks/cli_latency.py [--repeat 3] [--src DIR]``. On a fresh temporary
store each round runs, as separate processes, ``bot ingest ARTICLE``, ``bot search QUERY``,
``bot ask --no-llm QUESTION`` and ``bot ask QUESTION``. It prints the median wall time of each and
of "ingest + ask"; for the asks also the part outside the answer (the process's wall time less the
answer's own ``timings_ms.total``: interpreter, imports, model loads, store open, output); then the
same steps in one warm process (models loaded, llama-index imported) for comparison.

``--served`` adds a third way: the same processes on a fresh store while a ``bot serve`` runs on
it (started per round, timed once it has loaded everything), so they ask it over loopback
(bot.ui.cli_client) instead of loading models; each step must say on stderr that it used the
server. The answers of the two ways are compared word for word.

Besides wall time it reports CPU seconds per step (the process's, plus the server's during the
step when one runs): on a shared machine the wall times move with the load, the CPU far less.
``--no-model`` leaves out ``bot ask`` with the answer model (minutes per process on an
overloaded box); "one new article until found" is ``bot ingest`` + ``bot search``.

``--src`` points ``PYTHONPATH`` at another checkout of the package (for example the code before a
change, exported with ``git archive``), so before and after run on the same machine minutes apart.
The package is byte-compiled first (``compileall``), as an installed package is; ``--no-compile``
leaves it to be compiled in every process (``PYTHONDONTWRITEBYTECODE=1``, as on the CI box). The
machine's load average is printed beside the figures: on a shared box they are noisy, and a loaded
machine makes the answer model many times slower.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "corpus" / "tass-2025-02-10-zakharova-russia-hostage-release.md"
QUESTION = "Who was released in November 2023?"
QUERY = "Abu Marzouk Moscow"
STEPS = ("ingest", "search", "ask --no-llm", "ask")


def main() -> int:
    args = parse_args()
    if not args.no_compile:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.src / "bot")], check=True)
    print(f"machine: {machine()}; load before: {load()}")
    cold, served, warm = [], [], []
    for _ in range(args.repeat):  # interleaved, so a change of load hits every way alike
        cold.append(cold_round(args.src, args.article, args.no_model))
        if args.served:
            served.append(served_round(args.src, args.article, args.no_model))
        warm.append(warm_round(args.src, args.article, args.no_model))
    compiled = "from source each run" if args.no_compile else "byte-compiled"
    print(f"load after: {load()}; source: {args.src} ({compiled}); median of {args.repeat} rounds\n")
    print(table(cold, warm, served))
    if served:
        same = all(c["answers"] == s["answers"] for c, s in zip(cold, served, strict=True))
        print(f"\nanswers through the server identical to the processes' own: {'yes' if same else 'NO'}")
    return 0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="rounds, each on a fresh store (median reported)")
    p.add_argument("--src", type=Path, default=ROOT, help="the checkout whose `bot` package is timed")
    p.add_argument("--article", type=Path, default=ARTICLE, help="the one article ingested")
    p.add_argument(
        "--no-compile", action="store_true", help="leave `bot` without bytecode (compiled per process)"
    )
    p.add_argument(
        "--served", action="store_true", help="also time the processes beside a running `bot serve`"
    )
    p.add_argument("--no-model", action="store_true", help="leave out `bot ask` with the answer model")
    return p.parse_args()


def clean_env(src: Path, no_model: bool = False) -> dict[str, str]:
    """The caller's environment without ``BOT_*`` settings (a developer's BOT_LLM=none would time
    the wrong thing), with ``src`` first on the import path; ``no_model``: ``BOT_LLM=none``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONPATH"] = str(src)
    if no_model:
        env["BOT_LLM"] = "none"
    return env


def cold_round(src: Path, article: Path, no_model: bool) -> dict[str, Any]:
    """Each step as its own ``python -m bot`` process on a fresh store; a failing step stops the run."""
    with tempfile.TemporaryDirectory(prefix="cli-latency-") as tmp:
        return run_steps(src, article, Path(tmp), None, no_model)


def run_steps(
    src: Path, article: Path, tmp: Path, server: subprocess.Popen[bytes] | None, no_model: bool
) -> dict[str, Any]:
    """The steps as processes on the store in ``tmp``; with a ``server`` each must have used it
    (its stderr says so), else the round stops, and its CPU time counts in the step's."""
    through_server = server is not None
    env = clean_env(src, no_model)
    commands = {
        "ingest": ["ingest", str(article)],
        "search": ["search", QUERY, "-k", "2"],
        "ask --no-llm": ["ask", "--no-llm", "--json", QUESTION],
        "ask": ["ask", "--json", QUESTION],
    }
    if no_model:
        del commands["ask"]
    times: dict[str, Any] = {"answers": []}
    for step, command in commands.items():
        argv = [sys.executable, "-m", "bot", "--home", str(tmp / "store"), *command]
        cpu = children_cpu() + (process_cpu(server.pid) if server else 0.0)
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=tmp, capture_output=True, text=True, timeout=1800)
        times[step] = time.perf_counter() - start
        times[step + " cpu"] = children_cpu() + (process_cpu(server.pid) if server else 0.0) - cpu
        if done.returncode != 0:
            raise SystemExit(f"`bot {' '.join(command)}` failed: {done.stderr.strip()[-500:]}")
        if through_server != ("using the bot serve" in done.stderr):
            raise SystemExit(f"`bot {' '.join(command)}`: server used = {not through_server}: {done.stderr}")
        if step.startswith("ask"):  # the process's time outside the answer (its own clock)
            answer = json.loads(done.stdout)
            times[step + " start-up"] = times[step] - answer["timings_ms"]["total"] / 1000
            times["answers"].append((answer["answer"], [c["doc_id"] for c in answer["citations"]]))
    return times


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """A running process's CPU seconds so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_round(src: Path, article: Path, no_model: bool) -> dict[str, Any]:
    """The steps beside a ``bot serve`` on the same fresh store, once it has loaded everything."""
    with tempfile.TemporaryDirectory(prefix="cli-latency-served-") as tmp:
        store = Path(tmp) / "store"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = (Path(tmp) / "serve.log").open("wb")
        # --api: served by uvicorn, whose start has no probe of its own address to time out on an
        # overloaded machine (gradio's launch does; the CLI service is the same either way).
        argv = [sys.executable, "-m", "bot", "--home", str(store), "serve", "--api", "--port", str(port)]
        server = subprocess.Popen(
            argv, env=clean_env(src, no_model), cwd=tmp, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_until_warm(server, store / "serve.json", Path(tmp) / "serve.log")
            return run_steps(src, article, Path(tmp), server, no_model)
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()


def wait_until_warm(server: subprocess.Popen[bytes], record: Path, log: Path, timeout: float = 600) -> None:
    """Until the server's record is written and its ingest path is loaded (its /status says so)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bot serve exited: {log.read_text()[-1000:]}")
        if record.exists():
            info = json.loads(record.read_text())
            request = urllib.request.Request(
                f"http://127.0.0.1:{info['port']}/status",
                headers={"Authorization": f"Bearer {info['token']}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as resp:
                    if json.loads(resp.read()).get("writes_warm"):
                        return
            except OSError:  # busy loading on a loaded machine: ask again
                pass
        time.sleep(0.5)
    raise SystemExit("bot serve did not finish loading in time")


def warm_round(src: Path, article: Path, no_model: bool) -> dict[str, float]:
    """The same steps in one process that has already loaded everything (a child process, so the
    ``--src`` checkout is the one imported)."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import cli_latency; cli_latency.warm_child()"
    env = clean_env(src, no_model) | {"CLI_LATENCY_ARTICLE": str(article)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"warm round failed: {done.stderr.strip()[-500:]}")
    values = [float(x) for x in done.stdout.split()]
    return dict(zip(STEPS, values, strict=True))


def warm_child() -> None:
    """Load models and llama-index with another document first, then time the steps on the article."""
    from bot.answering.answerer import Answerer
    from bot.config import Config
    from bot.service import Bot

    article = Path(os.environ["CLI_LATENCY_ARTICLE"])
    with tempfile.TemporaryDirectory(prefix="cli-latency-warm-") as tmp:
        warm_doc = Path(tmp) / "warm.md"
        warm_doc.write_text(
            "# Warm up\n\nThe Zorblat festival opened in Tallinn on Monday.\n", encoding="utf-8"
        )
        no_model = os.environ.get("BOT_LLM") == "none"
        bot = Bot(Config.from_env(env={}, home=Path(tmp) / "store"), llm=None if no_model else "auto")
        bot.ingest([warm_doc])
        bot.warm_up()
        no_llm = Answerer(bot.config, bot.retriever, None, bot.embedder)
        steps: list[Callable[[], object]] = [
            lambda: bot.ingest([article]),
            lambda: bot.search(QUERY, k=2),
            lambda: no_llm.ask(QUESTION, None, None),
            (lambda: None) if no_model else (lambda: bot.ask(QUESTION)),
        ]
        print(" ".join(f"{timed(step):.4f}" for step in steps))


def timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def table(cold: list[dict[str, Any]], warm: list[dict[str, Any]], served: list[dict[str, Any]]) -> str:
    """Medians per step, and the issue's measures: ``bot ingest`` then ``bot search`` (the article
    found) and then ``bot ask`` with the model (answered)."""
    head = "| step | new process: wall / CPU (s) | of the wall, outside the answer (s) |"
    if served:
        head += (
            " `bot serve` running: wall / CPU with the server's (s) | of the wall, outside the answer (s) |"
        )
    rows = [head + " warm, in process (s) |", "|---" * head.count("|") + "|"]
    for step in [*STEPS, "ingest + search", "ingest + ask"]:
        if step.split(" + ")[-1] not in cold[0]:
            continue  # --no-model
        row = f"| `bot {step}` |" if step in STEPS else f"| `bot {step.replace(' + ', '` + `bot ')}` |"
        for rounds in [cold, served] if served else [cold]:
            outside = f"{median(rounds, step + ' start-up'):.2f}" if step.startswith("ask") else "—"
            row += f" {median(rounds, step):.2f} / {median(rounds, step, ' cpu'):.2f} | {outside} |"
        rows.append(row + f" {median(warm, step):.3f} |")
    return "\n".join(rows)


def median(rounds: list[dict[str, Any]], step: str, kind: str = "") -> float:
    if " + " in step:
        a, b = step.split(" + ")
        return float(statistics.median(r[a + kind] + r[b + kind] for r in rounds))
    return float(statistics.median(r[step + kind] for r in rounds))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs"


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
