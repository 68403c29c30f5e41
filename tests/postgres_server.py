"""A real PostgreSQL server for tests: the OS package's initdb + postgres in a temp dir, loopback port.

Postgres refuses to run as root, so as root (CI, this machine) both run as ``nobody`` through
``setpriv``; the data directory is created for that user. Durability settings are off (the tests
kill clients, never the server), which makes initdb + start take about a second.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "newsbot"


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(folders[-1]) if folders else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, bin_dir: Path, durable: bool = False) -> None:
        self.bin = bin_dir
        self.durable = durable  # benchmarks keep fsync on; tests kill clients, never the server
        self.base = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                raise RuntimeError("running as root without setpriv: cannot start postgres as another user")
            self.as_user = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
            shutil.chown(self.base, "nobody", "nogroup")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "initdb"), "-D", str(self.base / "data"), "-A", "trust", "-U", USER,
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip
        self.launch(timeout)

    def launch(self, timeout: float = 60) -> None:
        """Run the server on the initialised data directory (again after :meth:`halt`)."""
        data, log = self.base / "data", self.base / "server.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*self.as_user, str(self.bin / "postgres"), "-D", str(data), "-p", str(self.port),
                 "-k", str(self.base), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200",
                 *self._durability()],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited: {log.read_text()[-2000:]}")
            if self._ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres did not start within {timeout}s: {log.read_text()[-2000:]}")

    def _durability(self) -> list[str]:
        if self.durable:
            return []
        return ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]

    def _ready(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url, connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def new_database(self, name: str) -> str:
        """An empty database of its own: one per test, so tests never see each other's catalog."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def halt(self) -> None:
        """Stop the server, keeping its data (a restart is :meth:`halt` then :meth:`launch`)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: SIGTERM would wait for clients
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.base, ignore_errors=True)
