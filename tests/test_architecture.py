"""The package's shape, checked: no module reaches into another's private names; modules stay small.

The layer contract itself (ui -> feeds -> service -> answering -> index -> backends -> documents ->
language -> registry -> config/types) is import-linter's, run by ``make lint``; see
docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["bot", "evals", "benchmarks"]
# Modules allowed past the size budget, each with the reason (docs/architecture.md repeats it).
LARGE = {
    "bot/index/catalog_sqlite.py": "every SQL statement of the embedded catalog, in one place",
    "bot/index/catalog_postgres.py": "every SQL statement of the shared catalog, in one place",
}
MAX_LINES = 420


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def private_imports(path: Path) -> list[str]:
    """``from x import _name`` and ``x._name`` for a module ``x`` of ours imported here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"from {node.module} import {a.name}")
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in PACKAGES:
                    aliases[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=_module_name)
def test_no_module_uses_another_modules_private_names(path: Path) -> None:
    assert private_imports(path) == []


def test_the_checker_sees_a_private_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from bot.index.vectors import _x\nimport bot.language.text as t\nt._fold('a')\n")
    assert private_imports(sample) == ["from bot.index.vectors import _x", "t._fold"]


def test_product_modules_stay_small() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in (ROOT / "bot").rglob("*.py")
    }
    too_big = {p: n for p, n in sizes.items() if n > MAX_LINES and p not in LARGE}
    assert too_big == {}


def test_the_python_api_is_bot_and_config_loaded_on_first_use() -> None:
    import subprocess
    import sys

    probe = "import sys, bot; a = 'bot.service' in sys.modules; from bot import Bot, Config; print(a, Bot.__module__, Config.__module__)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "bot.service", "bot.config"]
