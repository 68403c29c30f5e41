"""The file by which a running ``bot serve`` tells command-line processes of the same store where it is.

Why a file in the store folder: a CLI process finds it from its own ``BOT_HOME`` without any
network probing, only processes that can read the store can read its token (it is written 0600),
and a copied or rebuilt store is told apart by its catalog file's identity. The record says which
settings the server answers with (a short hash per setting, no secrets in the clear), so a CLI
whose ``BOT_*`` differ is not answered with someone else's settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from bot.config import Config

FILE_NAME = "serve.json"
# Settings that change how fast or where the server listens, not what it answers or stores.
NOT_COMPARED = frozenset(
    {
        "host", "port", "auth_user", "auth_password", "api_key", "max_upload_mb", "eval_judge_model",
        "threads", "llm_threads", "llm_threads_batch", "embed_concurrency", "embed_retries",
        "embed_timeout", "cache_dir", "cli_server", "llm_api_key", "embedder_api_key",
    }
)  # fmt: skip
# Settings only the answer model reads: a search or an ingest may use a server that differs in them.
ANSWER_ONLY_PREFIXES = ("llm", "answer_style", "context_")


@dataclass(frozen=True)
class ServerRecord:
    """What ``bot serve`` wrote: where its loopback service listens and what it serves."""

    pid: int
    port: int  # the loopback service's (bot.ui.cli_server), not the page's
    page: str  # the web chat's address, to name the server to the user
    token: str
    home: str
    store: str
    settings: dict[str, str]
    started: float

    @property
    def where(self) -> str:
        return f"{self.page} (pid {self.pid})"


def record_path(config: Config) -> Path:
    return config.home / FILE_NAME


def store_key(config: Config) -> str:
    """Which store this is: the catalog server, or the SQLite catalog file's device and inode (a
    store deleted and made again at the same path is another store)."""
    if config.catalog_url:
        return "catalog:" + _digest(config.catalog_url)
    try:
        st = config.catalog_path.stat()
    except OSError:
        return "sqlite:missing"
    return f"sqlite:{st.st_dev}:{st.st_ino}"


def settings_digest(config: Config) -> dict[str, str]:
    """A short hash of each setting that changes answers or the store (values are not written)."""
    return {
        f.name: _digest(str(getattr(config, f.name))) for f in fields(config) if f.name not in NOT_COMPARED
    }


def differing_settings(record: ServerRecord, config: Config, answers: bool) -> list[str]:
    """The ``BOT_*`` names whose value differs between the server and this process; ``answers``
    False ignores the answer model's settings (searches and ingests do not read them)."""
    mine = settings_digest(config)
    names = sorted(k for k in set(mine) | set(record.settings) if mine.get(k) != record.settings.get(k))
    if not answers:
        names = [n for n in names if not n.startswith(ANSWER_ONLY_PREFIXES)]
    return ["BOT_" + n.upper() for n in names]


def write_record(config: Config, port: int, page: str) -> ServerRecord:
    """Write this process's record (atomically, readable by the store's owner only)."""
    record = ServerRecord(
        pid=os.getpid(),
        port=port,
        page=page,
        token=secrets.token_hex(32),
        home=str(config.home.resolve()),
        store=store_key(config),
        settings=settings_digest(config),
        started=time.time(),
    )
    path = record_path(config)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(record), out)
    os.replace(tmp, path)
    return record


def read_record(config: Config) -> ServerRecord | None:
    """The record in this store, or None (no server recorded, or a file we cannot read)."""
    try:
        data: dict[str, Any] = json.loads(record_path(config).read_text(encoding="utf-8"))
        return ServerRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def remove_record(config: Config, record: ServerRecord) -> None:
    """Remove the record if it is still this server's (another server may have replaced it)."""
    path = record_path(config)
    current = read_record(config)
    if current is not None and current.token == record.token:
        path.unlink(missing_ok=True)


def remove_stale(config: Config, record: ServerRecord) -> None:
    """Remove a dead server's record, so the next process does not look again."""
    if not pid_alive(record.pid):
        remove_record(config, record)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
