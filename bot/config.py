"""One configuration object, read once from the environment and passed down.

Every knob has a default that works offline on a laptop; environment variables with the ``BOT_``
prefix override them. Nothing else in the package reads ``os.environ`` for settings, so a test or
a second store is just another ``Config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsbot"


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbot"


# The conversions bot.backends.bundled.QUANTS can make (the config may not import a back end;
# tests/test_llm_llamacpp.py keeps the two equal).
LLM_QUANTS = ("q4_0", "q8_0", "iq4_nl")


@dataclass(frozen=True)
class Config:
    """All settings of one bot instance (one store, one set of models)."""

    # Where the store lives: Chroma files, the catalog (documents, BM25), originals.
    home: Path = field(default_factory=_default_home)
    # Where derived model files (the joined GGUF) are cached; shared between stores.
    cache_dir: Path = field(default_factory=_default_cache)
    # Chroma: empty = embedded PersistentClient under `home`; else a server URL (http://host:port).
    chroma_url: str = ""
    collection: str = "news"

    # The catalog (documents, hashes, texts, BM25, pending writes): empty = SQLite under `home`;
    # a postgresql:// URL = a shared PostgreSQL catalog for several workers and replicas.
    catalog_url: str = ""

    # Embeddings: a name the factory in bot.backends.embedding knows ("minilm-int8" in process, "openai" =
    # any server speaking the OpenAI-compatible /v1/embeddings protocol at `embedder_url`).
    embedder: str = "minilm-int8"
    embed_batch: int = 32
    embedder_url: str = ""
    embedder_api_key: str = ""
    embedder_model: str = ""  # empty: the model the server reports
    embed_concurrency: int = 4  # requests in flight to the embedding server at once
    embed_retries: int = 4  # retries of a failed request (connection, 429, 5xx), with backoff
    embed_timeout: float = 60.0  # seconds per request
    threads: int = field(default_factory=lambda: os.cpu_count() or 2)

    # Largest single document ingest reads (JSONL bulk files are streamed and exempt).
    max_file_mb: float = 50.0

    # Fetching web pages and feeds (bot.fetch): a whole-response deadline, a size cap, and the
    # address ranges a URL may reach besides public ones. Private, link-local and loopback
    # addresses are refused unless listed here (comma-separated CIDR, e.g. "127.0.0.0/8,10.1.0.0/16"),
    # so a URL pasted into the web chat cannot reach the host's own services or the local network.
    fetch_timeout: float = 20.0
    fetch_max_mb: float = 10.0
    fetch_allow_networks: str = ""

    # Chunking (tokens of the embedding tokenizer's rough measure, see bot.index.chunking).
    chunk_size: int = 200
    chunk_overlap: int = 40
    # 1: the article's title is indexed with every chunk (in front of the text the embedder sees,
    # and as the keyword index's title column); 0: the chunk's own text only (issue 18's sweep).
    chunk_title: int = 1

    # Answer model: "llamacpp" (a GGUF file; default the bundled Qwen 0.5B), "openai" (any
    # OpenAI-compatible server), "ollama", or "none" (extractive answers only).
    llm: str = "llamacpp"
    llm_model: str = "qwen2.5-coder-0.5b"
    llm_url: str = ""
    llm_api_key: str = ""
    llm_max_tokens: int = 120
    llm_context_tokens: int = 4096
    # llama.cpp speed settings for a local GGUF model (docs/latency.md has the measurements):
    # threads generating tokens and reading the prompt (0 = BOT_THREADS), the logical and physical
    # batch (prompt tokens handed to llama.cpp at once / computed at once), flash attention (0/1).
    llm_threads: int = 0
    llm_threads_batch: int = 0
    llm_batch: int = 512
    llm_ubatch: int = 512
    llm_flash_attn: int = 0
    # 1: keep the prompt's fixed start (system prompt, chat template) evaluated in the context
    # between questions instead of re-reading it (bot.backends.llamacpp; docs/latency.md).
    llm_prefix_cache: int = 0
    # "q4_0" / "iq4_nl": answer with a copy of the bundled model converted once into `cache_dir`
    # (llama.cpp repacks both for AVX2 kernels at load: faster prompts, slightly worse answers);
    # "q8_0" likewise; "" = the bundled file as shipped.
    llm_quant: str = ""
    # How the model picks among given answers (dates, numbers, names in the excerpts): "greedy"
    # decodes under a grammar of the options (the first word piece decides); "likelihood" scores
    # each whole option after one reading of the prompt (bot.backends.likelihood).
    llm_choose: str = "greedy"
    # 1: a name, place or "which X" question is also answered by choosing among the excerpts' names
    # (as dates and numbers are), not by a phrase the model writes freely.
    choose_names: int = 0
    # How many of the retrieved passages' best sentences the model reads (bot.answering.excerpts).
    context_sentences: int = 3
    context_chars: int = 1200  # and at most this many characters of them
    # When the model's phrase from those sentences fails its checks (or it does not know), how many
    # more readings of the next best unread sentences it gets before the answer is quoted or refused.
    second_looks: int = 0
    # "compose": the model copies the answering phrase, a template makes the cited sentence (the
    # bundled small models); "generate": the model writes sentences, each kept only if a passage
    # supports it (larger models, which write checkable sentences). See bot.answer.
    answer_style: str = "compose"

    # Retrieval.
    top_k: int = 5
    candidates: int = 40
    # Calibrated on the gold set (evals/gold.jsonl): off-corpus questions score < 0.21, the
    # weakest answerable one 0.31 (Retrieval.support of each gold question, 2026-11-25).
    refusal_threshold: float = 0.25
    reranker: str = "heuristic"  # or "rrf" / "dense" (ablations); see bot.registry
    # Overrides of the heuristic reranker's feature weights, "dense=0.6,bm25=0" (the rest keep
    # bot.answering.rerank.Weights): a fitted set (evals/fusion.py) can be tried without a patch.
    rerank_weights: str = ""
    date_aware: int = 1  # 0 turns off date parsing in retrieval (ablations)
    per_doc: int = 2  # most passages one article may fill in the top-k while others qualify
    # Wire copies (bot.copies): two articles whose word 5-shingle sets have at least this Jaccard
    # similarity are copies of one story; retrieval keeps one and lists the others. 0 = off.
    copy_threshold: float = 0.5

    # Web chat.
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = 20.0
    auth_user: str = ""
    auth_password: str = ""
    # The OpenAI-compatible chat API (`bot serve --api`): bearer key, required off loopback.
    api_key: str = ""
    # "auto": `bot ask`, `bot search` and `bot ingest` use a `bot serve` running on the same store
    # (over loopback, bot.ui.cli_client) instead of loading the models again; "off": never.
    cli_server: str = "auto"

    # `bot eval` only: a stronger model that grades the gold answers (empty = no LLM judge).
    eval_judge_model: str = ""

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.sqlite"

    @property
    def originals_dir(self) -> Path:
        return self.home / "originals"

    def allowed_networks(self) -> list[IPv4Network | IPv6Network]:
        """BOT_FETCH_ALLOW_NETWORKS parsed; ConfigError names the variable on a bad entry."""
        nets: list[IPv4Network | IPv6Network] = []
        for item in (x.strip() for x in self.fetch_allow_networks.split(",")):
            if not item:
                continue
            try:
                nets.append(ip_network(item, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"BOT_FETCH_ALLOW_NETWORKS: {item!r} is not a network (e.g. 127.0.0.0/8)"
                ) from exc
        return nets

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Build from ``BOT_*`` variables (e.g. ``BOT_HOME``, ``BOT_TOP_K``), then explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("BOT_" + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        # The conventional variable is honoured for OpenAI-compatible servers only, so it is never
        # sent to an Ollama host or anything else by accident.
        if values.get("llm") == "openai" and "llm_api_key" not in values and env.get("OPENAI_API_KEY"):
            values["llm_api_key"] = env["OPENAI_API_KEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        config.validate()
        return config

    def to_env(self) -> dict[str, str]:
        """This configuration as ``BOT_*`` variables: how a child process (an ingest worker) gets
        exactly the parent's settings, whatever of them came from flags or code."""
        return {"BOT_" + f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def validate(self) -> None:
        if self.chunk_overlap >= self.chunk_size:
            raise ConfigError("BOT_CHUNK_OVERLAP must be smaller than BOT_CHUNK_SIZE")
        if self.chunk_title not in (0, 1):
            raise ConfigError("BOT_CHUNK_TITLE must be 1 (title indexed with each chunk) or 0")
        if self.top_k < 1 or self.candidates < self.top_k:
            raise ConfigError("BOT_TOP_K must be >= 1 and BOT_CANDIDATES >= BOT_TOP_K")
        if self.threads < 1:
            raise ConfigError("BOT_THREADS must be >= 1")
        if self.llm_threads < 0 or self.llm_threads_batch < 0:
            raise ConfigError("BOT_LLM_THREADS and BOT_LLM_THREADS_BATCH must be >= 0 (0 = BOT_THREADS)")
        if self.llm_batch < 1 or self.llm_ubatch < 1:
            raise ConfigError("BOT_LLM_BATCH and BOT_LLM_UBATCH must be >= 1")
        if self.llm_flash_attn not in (0, 1) or self.llm_prefix_cache not in (0, 1):
            raise ConfigError("BOT_LLM_FLASH_ATTN and BOT_LLM_PREFIX_CACHE must be 0 or 1")
        if not 0 <= self.second_looks <= 3:
            raise ConfigError("BOT_SECOND_LOOKS must be between 0 and 3")
        if self.choose_names not in (0, 1):
            raise ConfigError("BOT_CHOOSE_NAMES must be 0 or 1")
        if self.llm_choose not in ("greedy", "likelihood"):
            raise ConfigError("BOT_LLM_CHOOSE must be greedy or likelihood")
        if self.llm_quant and self.llm_quant not in LLM_QUANTS:
            raise ConfigError(
                f"BOT_LLM_QUANT must be one of {', '.join(LLM_QUANTS)} or empty (the bundled file as shipped)"
            )
        if self.max_upload_mb <= 0:
            raise ConfigError("BOT_MAX_UPLOAD_MB must be positive")
        if self.fetch_timeout <= 0 or self.fetch_max_mb <= 0:
            raise ConfigError("BOT_FETCH_TIMEOUT and BOT_FETCH_MAX_MB must be positive")
        self.allowed_networks()  # a bad network fails here, with the variable's name
        if self.embed_concurrency < 1 or self.embed_retries < 0:
            raise ConfigError("BOT_EMBED_CONCURRENCY must be >= 1 and BOT_EMBED_RETRIES >= 0")
        if self.embedder == "openai" and not self.embedder_url:
            raise ConfigError("BOT_EMBEDDER=openai needs BOT_EMBEDDER_URL (e.g. http://host:8080/v1)")
        if self.catalog_url and not self.catalog_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("BOT_CATALOG_URL must be a postgresql:// URL (empty = SQLite under BOT_HOME)")
        if not 0.0 <= self.copy_threshold <= 1.0:
            raise ConfigError("BOT_COPY_THRESHOLD must be between 0 (off) and 1")
        if self.cli_server not in ("auto", "off"):
            raise ConfigError("BOT_CLI_SERVER must be 'auto' or 'off'")
        self.weight_overrides()  # the syntax here; the feature names where the reranker is built
        if self.answer_style not in ("compose", "generate"):
            raise ConfigError("BOT_ANSWER_STYLE must be 'compose' or 'generate'")

    def weight_overrides(self) -> dict[str, float]:
        """``BOT_RERANK_WEIGHTS`` ("dense=0.6,bm25=0") as feature -> weight; a part that is not
        feature=number is a ConfigError naming it."""
        pairs: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in self.rerank_weights.split(","))):
            name, sep, raw = part.partition("=")
            try:
                pairs[name.strip()] = float(raw if sep else "missing")
            except ValueError:
                raise ConfigError(
                    f"BOT_RERANK_WEIGHTS: {part!r} is not feature=number (e.g. dense=0.6,bm25=0)"
                ) from None
        return pairs


def _convert(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise ConfigError(f"BOT_{name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
