"""Embeddings from a server speaking the OpenAI-compatible ``/v1/embeddings`` protocol.

Why: in-process embedding is what bounds ingest (~24 chunks/s on 2 cores). Hugging Face
text-embeddings-inference, vLLM, Infinity, Ollama, llama.cpp's server and ``bot embed-server`` all
speak this protocol, so one (or a pool behind a load balancer) can serve many ingest workers and
replicas. The store records the embedder's name; here that is the model the *server* reports, so a
store built in process with MiniLM and a server running the same MiniLM are interchangeable, and a
server that now serves another model is refused instead of silently mixing vector spaces.

Texts go in batches of ``BOT_EMBED_BATCH``, at most ``BOT_EMBED_CONCURRENCY`` requests in flight;
connection errors, timeouts, 429 and 5xx are retried with exponential backoff (``Retry-After``
honoured), anything else fails at once with the server's own message.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.backends.embedding import Embedder, EmbedderUnavailable

if TYPE_CHECKING:
    from bot.config import Config

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
MAX_BACKOFF_S = 30.0


class EmbeddingServerError(EmbedderUnavailable):
    """The embedding server refused, failed, or answered something we cannot use."""


def embeddings_endpoint(url: str) -> str:
    """Accept ``http://host:port``, ``.../v1`` or the full ``.../v1/embeddings`` as users paste them."""
    base = url.rstrip("/")
    if base.endswith("/embeddings"):
        return base
    return f"{base}/embeddings" if base.endswith("/v1") else f"{base}/v1/embeddings"


class OpenAIEmbedder(Embedder):
    """One back end for every OpenAI-compatible embedding server."""

    def __init__(
        self,
        url: str,
        model: str = "",
        api_key: str = "",
        batch_size: int = 32,
        concurrency: int = 4,
        retries: int = 4,
        timeout: float = 60.0,
        backoff: float = 0.5,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - httpx comes with chromadb and gradio
            raise EmbedderUnavailable(
                "BOT_EMBEDDER=openai needs httpx: pip install 'newsbot[server-embeddings]'"
            ) from exc
        self.url = embeddings_endpoint(url)
        self.where = f"served by {self.url}"
        self.batch_size = max(1, batch_size)
        self.retries = retries
        self.backoff = backoff
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(
            timeout=timeout, headers=headers, limits=httpx.Limits(max_connections=concurrency)
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="embed")
        self.name = model or self._served_model()
        probe, served = self._request(["dimension probe"])
        if served and served != self.name:
            raise EmbeddingServerError(
                f"the embedding server at {self.url} serves {served!r}, not the configured {self.name!r}"
            )
        self.dim = int(probe.shape[1])

    @classmethod
    def from_config(cls, config: Config) -> OpenAIEmbedder:
        return cls(
            config.embedder_url,
            model=config.embedder_model,
            api_key=config.embedder_api_key,
            batch_size=config.embed_batch,
            concurrency=config.embed_concurrency,
            retries=config.embed_retries,
            timeout=config.embed_timeout,
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        """Batches go out concurrently; each answer must come from the model the store records."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [texts[lo : lo + self.batch_size] for lo in range(0, len(texts), self.batch_size)]
        parts = list(self._pool.map(self._request, batches))
        for _, served in parts:
            if served and served != self.name:
                raise EmbeddingServerError(
                    f"the embedding server at {self.url} now serves {served!r}, but this store was "
                    f"built with {self.name!r}: point BOT_EMBEDDER_URL at a server of that model, or "
                    "run `bot reindex` to rebuild the store with the new one"
                )
        return np.vstack([vectors for vectors, _ in parts])

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        self._http.close()

    # --- protocol -----------------------------------------------------------------------------------
    def _served_model(self) -> str:
        """No model configured: take the one the server lists (TEI, Infinity and ours list one)."""
        models_url = self.url.removesuffix("/embeddings") + "/models"
        body = self._with_retries(lambda: self._http.get(models_url))
        ids = [str(m.get("id")) for m in body.get("data") or [] if isinstance(m, dict) and m.get("id")]
        if not ids:
            raise EmbeddingServerError(
                f"the embedding server at {models_url} lists no model: set BOT_EMBEDDER_MODEL"
            )
        return ids[0]

    def _request(self, batch: list[str]) -> tuple[np.ndarray, str]:
        """(unit vectors in input order, the model the server says produced them)."""
        payload = {"model": self.name, "input": batch, "encoding_format": "float"}
        body = self._with_retries(lambda: self._http.post(self.url, json=payload))
        data = body.get("data")
        if not isinstance(data, list) or len(data) != len(batch):
            got = len(data) if isinstance(data, list) else "no"
            raise EmbeddingServerError(
                f"the embedding server at {self.url} sent {got} vectors for {len(batch)} texts"
            )
        try:
            rows = sorted(data, key=lambda d: int(d.get("index", 0)))
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbeddingServerError(
                f"the embedding server at {self.url} sent malformed vectors: {exc}"
            ) from exc
        if vectors.ndim != 2 or (self.dim and vectors.shape[1] != self.dim):
            raise EmbeddingServerError(
                f"the embedding server at {self.url} sent vectors of shape {vectors.shape}, expected dim {self.dim}"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12), str(body.get("model") or "")

    def _with_retries(self, send: Any) -> dict[str, Any]:
        import httpx

        last = ""
        for attempt in range(self.retries + 1):
            delay = min(MAX_BACKOFF_S, self.backoff * 2**attempt)
            try:
                response = send()
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        body: dict[str, Any] = response.json()
                    except ValueError as exc:
                        raise EmbeddingServerError(
                            f"the embedding server at {self.url} sent no JSON"
                        ) from exc
                    return body
                last = f"HTTP {response.status_code}: {_error_message(response)}"
                if response.status_code not in RETRY_STATUS:
                    raise EmbeddingServerError(
                        f"the embedding server at {self.url} refused the request ({last})"
                    )
                delay = _retry_after(response) or delay
            if attempt < self.retries:
                time.sleep(delay)
        raise EmbeddingServerError(
            f"the embedding server at {self.url} failed {self.retries + 1} times; last: {last[:300]}"
        )


def _error_message(response: Any) -> str:
    """OpenAI-style ``{"error": {"message": ...}}`` when present, else the start of the body."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return str(response.text)[:200]
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error)[:200]


def _retry_after(response: Any) -> float | None:
    try:
        return min(MAX_BACKOFF_S, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None
