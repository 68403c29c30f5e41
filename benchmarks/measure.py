"""What every benchmark measures with: process RSS and CPU time, the machine, timers and latency
figures, and a guard that keeps a measured run off the network.

Standard library only (plus ``evals.report``, which is too), so any interpreter under test can
import it; the percentile is ``evals.report``'s, so benchmarks and evals report latency one way.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from evals.report import git_state as report_git_state
from evals.report import percentile

ROOT = Path(__file__).resolve().parents[1]

P = ParamSpec("P")
R = TypeVar("R")


# --- process and machine -------------------------------------------------------------------------
def _proc_status(pid: int | str = "self") -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set (VmHWM) of a process in MB; for ourselves getrusage if /proc is missing."""
    hwm = _proc_status(pid).get("VmHWM", "")
    if hwm.endswith("kB"):
        return int(hwm.split()[0]) / 1024
    if pid == "self":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Current resident set (VmRSS) of a process in MB; NaN where /proc cannot tell."""
    rss = _proc_status(pid).get("VmRSS", "")
    return int(rss.split()[0]) / 1024 if rss.endswith("kB") else float("nan")


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads): steadier than wall time under load."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed_call(step: Callable[..., Any]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, all threads of this process) of one call."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    step()
    return time.perf_counter() - t0, cpu_seconds() - c0


def loadavg() -> list[float]:
    """The 1/5/15-minute load average, recorded beside every figure: a shared machine's load moves them."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def load_text() -> str:
    """The load average as one line for a terminal ("unknown" where the OS does not say)."""
    load = loadavg()
    return " ".join(f"{x:.2f}" for x in load) if load else "unknown"


def machine_info() -> dict[str, Any]:
    """Cores this process may use, CPU model, RAM and Python: what a figure is only valid for."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = float("nan")
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor(),
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    """Versions of the packages whose speed is measured (an upgrade can move every figure)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in (
        "onnxruntime",
        "tokenizers",
        "chromadb",
        "llama-index-core",
        "llama-index-vector-stores-chroma",
        "llama-cpp-python",
        "gradio",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the checkout had changes (untracked files count)."""
    sha, dirty = report_git_state(untracked=True)
    return {"commit": "" if sha == "nogit" else sha, "dirty": dirty}


# --- latency, logging, timers, network ------------------------------------------------------------
def latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    """n, p50, p95, mean and max of latencies in ms (None for no samples)."""
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
    }


def log(message: str) -> None:
    """A progress line on stderr with the time and the 1-minute load, so slow phases can be explained."""
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()[:1]}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def network_guard() -> Iterator[list[str]]:
    """Refuse connections to anything but loopback/Unix sockets while inside; yields the attempts."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or (
            isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1"))
        ):
            return real_connect(self, address)
        attempts.append(str(address))
        raise OSError(f"network access blocked by the benchmark: {address!r}")

    socket.socket.connect = guarded  # type: ignore[method-assign, assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]


class Timers:
    """Adds up the wall time (and calls) spent in labelled steps until ``restore``.

    ``timed`` wraps a function that is handed to its user (the indexer's chunker and original
    keeper); ``wrap`` wraps a method of a live component object (embedder, stores) and ``restore``
    puts it back. After ``restore`` the handed-out wrappers still run their function but record
    nothing, so only the measured phase is counted.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo: list[Callable[[], None]] = []
        self._active = True
        self.recorded: list[str] = []  # texts passed to the wrapped embedder, for token counts

    def timed(self, func: Callable[P, R], label: str, record_texts: bool = False) -> Callable[P, R]:
        """``func`` timed under ``label``; with ``record_texts`` its first argument's texts are kept."""

        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            if not self._active:
                return func(*args, **kwargs)
            if record_texts and args:
                self.recorded.extend(args[0])  # type: ignore[arg-type]
            t0 = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed

    def wrap(self, obj: Any, attr: str, label: str, record_texts: bool = False) -> None:
        """Time ``obj.attr`` (a method of a live object) under ``label`` until ``restore``."""
        original = getattr(obj, attr)
        had_own = isinstance(obj, type) or attr in getattr(obj, "__dict__", {})
        setattr(obj, attr, self.timed(original, label, record_texts))
        if had_own:
            self._undo.append(lambda: setattr(obj, attr, original))
        else:
            self._undo.append(lambda: delattr(obj, attr))

    def restore(self) -> None:
        """Put every wrapped method back and stop recording."""
        self._active = False
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
