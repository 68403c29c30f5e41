"""Telling a URL from a path, without the fetcher.

``bot ingest FILE`` decides per argument whether it is a web page; importing ``bot.documents.fetch`` for that
would load its network stack (http.client, ssl) into every file-only ingest.
"""

from __future__ import annotations


def is_url(text: str) -> bool:
    """An http(s) URL, which ingest fetches; anything else is a path."""
    return text.lower().startswith(("http://", "https://"))
