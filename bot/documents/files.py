"""Reading a document's bytes from disk and turning them into text, with reasons a user can act on.

Citations point at character offsets, so decoding refuses what is not UTF-8 rather than guessing,
and the only changes to the text are line endings (``\\r\\n`` and ``\\r`` become ``\\n``) and a
leading UTF-8 BOM. Every problem is a :class:`~bot.types.DocumentError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.types import DocumentError


def check_exists(path: Path) -> None:
    """Refuse a missing path or a folder before anything tries to open it."""
    if not path.exists():
        raise DocumentError(str(path), "no such file")
    if path.is_dir():
        raise DocumentError(str(path), "is a folder, not a file")


def check_size(path: Path, max_bytes: int | None) -> None:
    """Refuse a file over ``max_bytes`` from its size on disk, so a 1 GB file is never read."""
    if max_bytes is None:
        return
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            str(path),
            f"file too large ({size / 2**20:,.0f} MB; the limit is {max_bytes / 2**20:,.0f} MB, BOT_MAX_FILE_MB)",
        )


def os_reason(exc: OSError) -> str:
    """A short reason for an OS error (a user can fix "permission denied"; errno names mean little)."""
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read file ({exc.strerror or exc})"


def read_bytes(path: Path) -> bytes:
    """The whole file; an OS error becomes a DocumentError with :func:`os_reason`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), os_reason(exc)) from exc


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and ``\\r`` to ``\\n``, so offsets and paragraph splits agree across platforms."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, origin: str) -> str:
    """Bytes to text, refusing what is not UTF-8 text rather than guessing (offsets must be exact)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(origin, "UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise DocumentError(origin, "binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(origin, f"not valid UTF-8 text (byte {exc.start})") from exc
    text = normalise_newlines(text.removeprefix("\ufeff"))
    if not text.strip():
        raise DocumentError(origin, "empty document")
    return text


def decode_html(data: bytes, origin: str) -> str:
    """HTML may declare a legacy charset; honour it only when the bytes are not UTF-8."""
    try:
        return decode_text(data, origin)
    except DocumentError as exc:
        m = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.IGNORECASE)
        charset = m.group(1).decode("ascii").lower() if m else ""
        if not exc.reason.startswith("not valid UTF-8") or charset in ("", "utf-8", "utf8"):
            raise
        try:
            return normalise_newlines(data.decode(charset))
        except (LookupError, UnicodeDecodeError):
            raise exc from None
