"""Markdown and plain-text files: the body exactly as written, with optional YAML front matter.

A ``.md``/``.markdown`` file may open with ``---`` YAML ``---``; the body starts right after the
closing line, so offsets into ``Article.text`` are offsets into what the author wrote. A ``.txt``
file is all body. The fields are described in ``docs/documents.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.documents.fields import FRONT_MATTER_FIELDS, clean_fields, make_article, slug
from bot.types import Article, DocumentError

_MARKDOWN = {".md", ".markdown"}


def parse_text(text: str, path: Path) -> Article:
    """A decoded ``.md``/``.markdown``/``.txt`` file to its Article; front matter only in Markdown."""
    origin = str(path)
    meta: dict[str, Any] = {}
    body = text
    if path.suffix.lower() in _MARKDOWN and re.match(r"---[ \t]*\n", text):
        meta, body = _split_front_matter(text, origin)
    body = _drop_final_newline(body)
    if not body.strip():
        raise DocumentError(origin, "empty document")
    return make_article(body, meta, stem=path.stem, doc_id=slug(path.stem), origin=origin)


def _split_front_matter(text: str, origin: str) -> tuple[dict[str, Any], str]:
    """Split ``---`` YAML ``---`` from the body; the body starts right after the closing line."""
    m = re.match(r"---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", text, re.DOTALL | re.MULTILINE)
    if not m:
        raise DocumentError(origin, "front matter has no closing '---' line")
    try:
        raw = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise DocumentError(origin, f"bad YAML front matter: {_yaml_problem(exc)}") from exc
    except ValueError as exc:  # YAML read "2025-02-30" as a date and the calendar said no
        raise DocumentError(origin, f"bad YAML front matter: invalid date ({exc})") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DocumentError(origin, "bad YAML front matter: expected 'field: value' lines")
    unknown = sorted(str(k) for k in raw if k not in FRONT_MATTER_FIELDS)
    if unknown:
        known = ", ".join(FRONT_MATTER_FIELDS)
        raise DocumentError(origin, f"unknown front matter field '{unknown[0]}'; known: {known}")
    body = text[m.end() :]
    return clean_fields(raw, origin), body[1:] if body.startswith("\n") else body


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 2})" if mark is not None else problem


def _drop_final_newline(text: str) -> str:
    """One final newline is the editor's, not the author's; dropping it moves no offset."""
    return text[:-1] if text.endswith("\n") else text
