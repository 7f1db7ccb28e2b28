"""dispatch.routing is a pure core: it must import nothing from the web app's world."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dispatch" / "routing"
FORBIDDEN_ROOTS = {"flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "jinja2"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute names of every module ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            # "from .. import models" imports dispatch.models: judge each imported name too.
            found.append((node.lineno, name))
            if not node.module:
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _violation(name: str) -> bool:
    root = name.split(".")[0]
    if root in FORBIDDEN_ROOTS or root.startswith("flask_"):
        return True
    return root == "dispatch" and not (
        name == "dispatch.routing" or name.startswith("dispatch.routing.")
    )


def test_routing_imports_only_stdlib_and_ortools():
    files = sorted(PACKAGE.rglob("*.py"))
    assert files, "no routing modules found"
    bad = [
        f"{path.relative_to(PACKAGE.parent.parent)}:{line}: imports {name}"
        for path in files
        for line, name in _imports(path)
        if _violation(name)
    ]
    assert bad == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import flask", True),
        ("from flask_login import current_user", True),
        ("import sqlalchemy.orm", True),
        ("from dispatch.models import Job", True),
        ("from .. import extensions", True),
        ("from ..tickets import services", True),
        ("from .model import Job", False),
        ("from . import jsonio", False),
        ("import ortools.constraint_solver", False),
        ("from dispatch.routing.model import Job", False),
    ],
)
def test_the_purity_check_itself_catches_imports(tmp_path, monkeypatch, source, expected):
    fake = PACKAGE / "fake_module_for_test.py"  # only a path: the file is never written
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    names = [name for _, name in _imports(fake)]
    assert any(_violation(n) for n in names) is expected, names


def test_the_checker_is_independent_of_the_search():
    """check_solution is the second opinion on every plan: it must time routes its own way,
    never with the solver's timeline or the search's route code."""
    search = {
        f"dispatch.routing.{name}"
        for name in (
            "timeline",
            "fastroute",
            "lns",
            "eject",
            "assemble",
            "solver",
            "reasons",
            "fieldrules",
        )
    }
    checker = sorted(PACKAGE.glob("check*.py"))
    assert [p.name for p in checker] == [
        "check.py",
        "check_rules.py",
        "check_shape.py",
        "check_timing.py",
    ]
    used = {name for path in checker for _, name in _imports(path)}
    assert used & search == set()
    assert "dispatch.routing.model" in used
