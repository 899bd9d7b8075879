"""The import floors (README, Layout): a module imports only from its own floor or lower.

    0  settings, vocab, cpr          the vocabulary and the settings
    1  etl, monitoring, demo         pure: no SQL, no store
    2  store, migrations             the only SQL
    3  jobs, access                  the load job, the command lines; users, roles, audit
    4  app, pages, components        the web app

Every import counts, also one inside a function (a lazy import is still a
dependency). A package's `__main__.py` is an entry point: it sits on top, with
the jobs (`python -m etl` runs `jobs.etl_cli`). Read from the sources with `ast`: nothing is imported to check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FLOORS: dict[str, int] = {
    "settings": 0,
    "vocab": 0,
    "cpr": 0,
    "etl": 1,
    "monitoring": 1,
    "demo": 1,
    "store": 2,
    "migrations": 2,
    "jobs": 3,
    "access": 3,
    "app": 4,
    "pages": 4,
    "components": 4,
}


def _sources(name: str) -> list[Path]:
    """The Python files of a top-level package or module of the project."""
    package = ROOT / name
    if package.is_dir():
        return sorted(p for p in package.rglob("*.py") if ".venv" not in p.parts)
    module = ROOT / f"{name}.py"
    return [module] if module.exists() else []


def _imported(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in a module, relative ones resolved."""
    found: list[tuple[int, str]] = []
    package = path.relative_to(ROOT).parent.parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package upwards
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def violations(name: str) -> list[str]:
    """Every import in `name` of a project module on a higher floor than its own."""
    out: list[str] = []
    for path in _sources(name):
        own = FLOORS["jobs"] if path.name == "__main__.py" else FLOORS[name]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for line, module in _imported(tree, path):
            top = module.split(".")[0]
            floor = FLOORS.get(top)
            if floor is not None and floor > own:
                where = path.relative_to(ROOT)
                out.append(f"{where}:{line} imports {module} (floor {floor} > {own})")
    return out


@pytest.mark.parametrize("name", list(FLOORS))
def test_no_import_from_a_higher_floor(name: str) -> None:
    assert violations(name) == []


def test_the_store_imports_no_computation() -> None:
    """store.results and store.runs read and write; they import no etl or monitoring."""
    for module in ("results", "runs"):
        path = ROOT / "store" / f"{module}.py"
        imported = {m for _, m in _imported(ast.parse(path.read_text("utf-8")), path)}
        assert not {m for m in imported if m.split(".")[0] in ("etl", "monitoring", "jobs")}


def test_the_check_sees_a_lazy_and_a_relative_import() -> None:
    """A lazy import inside a function is found, and so is a relative one."""
    path = ROOT / "monitoring" / "example.py"
    source = "def f():\n    from store.db import get_engine\n    from ..jobs import load\n"
    imported = _imported(ast.parse(source), path)
    assert sorted(imported) == [(2, "store.db"), (3, "jobs")]
