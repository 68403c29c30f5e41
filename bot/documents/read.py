"""Reading files into :class:`~bot.types.Article` objects: which reader a file goes to, and folder walks.

Each format has its own module: ``markdown`` (Markdown and plain text), ``html`` (saved web
pages), ``pdf`` and ``jsonl``; ``files`` reads and decodes the bytes and ``fields`` makes the
Article. Citations point at character offsets inside ``Article.text``, so text formats keep the
body exactly as written: the only changes are line endings (``\\r\\n`` and ``\\r`` become ``\\n``),
a leading UTF-8 BOM, and one final newline (dropping it moves no offset). Everything that goes
wrong with a file is a :class:`~bot.types.DocumentError` with a short reason a user can act on.
The file format is described in ``docs/documents.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bot.documents.files import check_exists, check_size, decode_html, decode_text, os_reason, read_bytes
from bot.documents.jsonl import iter_jsonl, load_jsonl_strict
from bot.documents.markdown import parse_text
from bot.documents.pdf import parse_pdf
from bot.types import Article, DocumentError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".jsonl"}
)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # Config.max_file_mb overrides it for ingest

_HTML = {".html", ".htm"}
_SKIPPED_NAMES = {"readme.md"}


def load_path(path: Path, max_bytes: int | None = DEFAULT_MAX_BYTES) -> list[Article]:
    """Read one file into its articles (a ``.jsonl`` gives many); any problem is a DocumentError.

    A ``.jsonl`` file is all-or-nothing here (the first bad line raises); use
    :func:`bot.documents.jsonl.iter_jsonl` to keep the good records of a partly broken file.
    """
    path = Path(path)
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return load_jsonl_strict(path)
    data = read_bytes(path)
    if suffix == ".pdf":
        return [parse_pdf(data, path)]
    if suffix in _HTML:
        # Imported here: a `bot ingest` of text files never loads the web-page reader (tests/test_cli.py).
        from bot.documents.html import parse_html

        return [parse_html(decode_html(data, str(path)), path)]
    return [parse_text(decode_text(data, str(path)), path)]


def iter_folder(
    path: Path, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    """Walk a folder (sorted, recursive) and read every file, reporting bad files instead of raising.

    Hidden files and folders and ``README.md`` are skipped; files of other formats are reported as
    "unsupported format" so a user sees why they were not indexed. A ``.jsonl`` file yields its
    good records as one entry followed by one entry per bad line (same path), so one bad line does
    not cost the rest of the file. Symlinked folders are not followed (no loops).
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError(str(path), "no such folder")
    if not path.is_dir():
        raise DocumentError(str(path), "not a folder")
    yield from _walk(path, max_bytes)


def _check_file(path: Path, max_bytes: int | None = None) -> None:
    """Fail early, before reading, with the reason a user can fix (a 1 GB file is never read)."""
    check_exists(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no file extension)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(str(path), f"unsupported format {shown}; supported: {supported}")
    # JSONL is the bulk format and is streamed record by record, so only single documents are capped.
    if suffix != ".jsonl":
        check_size(path, max_bytes)


# --- folders ----------------------------------------------------------------------------------------


def _walk(folder: Path, max_bytes: int | None) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield folder, DocumentError(str(folder), f"cannot list folder ({os_reason(exc)})")
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name.lower() in _SKIPPED_NAMES:
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                yield from _walk(entry, max_bytes)
            continue
        yield from _folder_entry(entry, max_bytes)


def _folder_entry(file: Path, max_bytes: int | None) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    if file.suffix.lower() != ".jsonl":
        try:
            yield file, load_path(file, max_bytes)
        except DocumentError as exc:
            yield file, exc
        return
    items = list(iter_jsonl(file))
    good = [a for a in items if isinstance(a, Article)]
    if good:
        yield file, good
    yield from ((file, e) for e in items if isinstance(e, DocumentError))
