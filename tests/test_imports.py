"""Imports between dispatch modules flow one way, and private names stay in their module.

Every import counts, at the top of a module or inside a function: a late import only hides a
cycle from the interpreter, not from the reader. The graph is read from the source with ast, so
the test needs no import of the application.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dispatch"

# Imports inside functions, each with its reason; every other import sits at the top of its module.
LATE = {
    # create_app is the top of the graph: it wires every package's blueprints, CLI commands and
    # signal receivers. Importing them at the top of dispatch/__init__.py would load the whole
    # application whenever any dispatch module is imported.
    "dispatch": "the application factory assembles every package",
}
# Packages whose modules may import late, with the reason.
LATE_PACKAGES = {
    # The routing engine loads its solver and its benchmarks on first use (dispatch.routing's
    # `solve`, the CLI's bench commands); its imports are held to the engine's own rules by
    # tests/routing/test_purity.py.
    "dispatch.routing": "the engine's lazy loading",
}

# Modules run from outside (RQ workers, `python -m …`) that build the application themselves:
# nothing imports them, so they may import create_app without closing a cycle.
ENTRY_POINTS = {
    "dispatch.worker": "the jobs `rq worker` runs",
    "dispatch.planning.bench": "python -m dispatch.planning.bench",
    "dispatch.mail.bench": "python -m dispatch.mail.bench",
    "dispatch.bench.web": "python -m dispatch.bench.web",
    "dispatch.bench.reports": "python -m dispatch.bench.reports",
}


def _modules(root: Path = ROOT) -> dict[str, Path]:
    mods = {}
    for path in (root / "dispatch").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _targets(module: str, path: Path, node: ast.AST, mods: dict[str, Path]) -> list[str]:
    """The dispatch modules one import statement loads (``from pkg import name`` counts as
    importing ``pkg.name`` when that is a module)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            if path.name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = []
        for alias in node.names:
            candidate = f"{prefix}.{alias.name}"
            names.append(candidate if candidate in mods else prefix)
    found = []
    for name in names:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        if name and name != module and name.split(".")[0] == "dispatch":
            found.append(name)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the dispatch modules it imports anywhere in its body."""
    mods = _modules(root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module].update(_targets(module, path, node, mods))
    return graph


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One concrete cycle inside a strongly connected component, for the failure message."""
    start = min(component)
    parent = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                path = [node]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return sorted(component)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected component of more than one node, as one cycle through it (see
    :func:`components` for every node of each)."""
    return [_cycle_in(graph, component) for component in components(graph)]


def components(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10000))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between packages (dispatch.tickets, dispatch.triage, …); top-level
    modules (dispatch.web, dispatch.worker, …) count as packages of their own."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    packages: dict[str, set[str]] = {package(m): set() for m in graph}
    for module, targets in graph.items():
        for target in targets:
            if package(module) != package(target):
                packages[package(module)].add(package(target))
    return packages


def private_imports(root: Path = ROOT) -> list[str]:
    """``from dispatch.x import _y`` and ``x._y`` on an imported dispatch module."""
    mods = _modules(root)
    found = []
    for module, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets = _targets(module, path, node, mods)
                if not targets:
                    continue
                for alias in node.names:
                    name = alias.name.rpartition(".")[2]
                    if name.startswith("_") and not name.startswith("__"):
                        found.append(f"{module}: imports {name} from {targets[0]}")
                    local = alias.asname or alias.name.split(".")[0]
                    aliases.add(local)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{module}: uses {node.value.id}.{node.attr}")
    return sorted(set(found))


def _describe(graph: dict[str, set[str]]) -> str:
    return "\n".join(
        " → ".join(_cycle_in(graph, c)) + f"   (all of: {', '.join(sorted(c))})"
        for c in components(graph)
    )


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert not components(graph), "import cycles:\n" + _describe(graph)


def test_no_import_cycle_between_packages():
    graph = package_graph(import_graph())
    graph.pop("dispatch")  # the application factory: the top, imported by no package
    for targets in graph.values():
        targets.discard("dispatch")
    assert not components(graph), "package cycles:\n" + _describe(graph)


def test_only_entry_points_import_the_application_factory():
    """``create_app`` builds everything, so whatever imports it sits above every package, and
    nothing imports those entry points."""
    graph = import_graph()
    importers = {m for m, targets in graph.items() if "dispatch" in targets}
    assert importers <= set(ENTRY_POINTS), sorted(importers - set(ENTRY_POINTS))
    imported = {m for m, targets in graph.items() if targets & set(ENTRY_POINTS)}
    assert not imported, sorted(imported)


def late_imports(root: Path = ROOT) -> list[str]:
    """Imports of dispatch modules inside a function or class body."""
    mods = _modules(root)
    found = []
    for module, path in mods.items():
        tree = ast.parse(path.read_text(), str(path))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top:
                for target in sorted(set(_targets(module, path, node, mods))):
                    found.append(f"{module} (line {node.lineno}): imports {target}")
    return found


def test_late_imports_are_listed_with_a_reason():
    def listed(module: str) -> bool:
        return module in LATE or any(
            module == p or module.startswith(p + ".") for p in LATE_PACKAGES
        )

    found = [line for line in late_imports() if not listed(line.split(" ")[0])]
    assert not found, "imports inside functions (move them to the top):\n" + "\n".join(found)


def test_no_private_name_imported_across_modules():
    found = private_imports()
    assert not found, "private names used outside their module:\n" + "\n".join(found)


def test_the_checks_see_a_cycle_and_a_late_import(tmp_path):
    """The graph counts function-level imports, relative ones and ``from pkg import module``."""
    pkg = tmp_path / "dispatch" / "things"
    pkg.mkdir(parents=True)
    (tmp_path / "dispatch" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from dispatch.things.a import _hidden\n")
    graph = import_graph(tmp_path)
    assert graph["dispatch.things.a"] == {"dispatch.things.b"}
    assert graph["dispatch.things.b"] == {"dispatch.things.a"}
    assert cycles(graph) == [["dispatch.things.a", "dispatch.things.b", "dispatch.things.a"]]
    assert private_imports(tmp_path) == [
        "dispatch.things.b: imports _hidden from dispatch.things.a"
    ]
