"""The compiled build of the search's hot modules (setup.py) and their Python source agree.

``make install`` compiles the modules of :data:`COMPILED` (the search's flat data, timing steps,
routes, acceptance, penalty, stopping rule, loop and trades) with Cython (C types from their
``.pxd`` files); everything else in the suite runs that build. Here the same search runs from
the Python source too, as a copy of the package, and must make the very same moves: same plan,
same iterations.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dispatch.routing as routing
from dispatch.routing import (
    annealing,
    assemble,
    eject,
    fastdata,
    fastroute,
    fasttiming,
    lns,
    parse_problem,
    penalty,
    stopping,
)
from dispatch.routing.bench.generate import field_problem
from dispatch.routing.solver import SOFT
from tests.routing.test_properties import SETTINGS, pinned_problems

ROUTING = Path(routing.__file__).parent
COMPILED = (fastdata, fasttiming, fastroute, annealing, penalty, stopping, lns, eject)
COMPILED_BUILD = {"lns": lns, "assemble": assemble}
#: The compiled modules' names, imported from the Python source in the ``source`` fixture.
SOURCES = tuple(module.__name__.rsplit(".", 1)[1] for module in COMPILED)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """dispatch/routing's Python files alone (no compiled module, no .pxd), imported as the
    package ``routing_source``."""
    root = tmp_path_factory.mktemp("source")
    shutil.copytree(
        ROUTING,
        root / "routing_source",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "*.pxd", "__pycache__"),
    )
    sys.path.insert(0, str(root))
    try:
        build = {
            name: importlib.import_module(f"routing_source.{name}")
            for name in (*SOURCES, "assemble", "bench.generate", "jsonio")
        }
        assert all(build[name].__file__.endswith(".py") for name in SOURCES)
        yield build
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] == "routing_source"]:
            del sys.modules[name]


def test_the_compiled_modules_are_the_ones_in_use():
    """A build that silently fell back to Python would pass everything else, only slower.
    DISPATCH_PURE_PYTHON=1 accepts the fallback (a machine without a C compiler)."""
    if os.environ.get("DISPATCH_PURE_PYTHON") == "1":
        pytest.skip("DISPATCH_PURE_PYTHON=1: the Python source is accepted")
    for module in COMPILED:
        assert not module.__file__.endswith(".py"), (
            f"{module.__name__} runs from source: run `make install` to compile it (its "
            "output shows why the build failed)"
        )


def test_the_compiled_modules_are_not_older_than_their_source():
    """Python imports a compiled module before its .py: an edit not rebuilt would go unseen.
    Each compiled module is checked against every source, since a module is compiled against
    the .pxd files it cimports (lns against fastroute.pxd's layout of its classes)."""
    sources = [
        ROUTING / f"{module.__name__.rsplit('.', 1)[1]}{ext}"
        for module in COMPILED
        for ext in (".py", ".pxd")
    ]
    for module in COMPILED:
        if module.__file__.endswith(".py"):
            continue
        built = Path(module.__file__).stat().st_mtime
        for src in sources:
            assert not src.exists() or src.stat().st_mtime <= built, (
                f"{src.name} changed after {Path(module.__file__).name} was compiled: "
                "run `make install`"
            )


def _run(build, problem, seed: int, iterations: int):
    """(plan, moves made) of ``iterations`` moves of the search of ``build``, a dict of its
    ``lns`` and ``assemble`` modules."""
    allowed = build["assemble"].compatible(problem)
    search = build["lns"].Search(
        problem, [[] for _ in problem.vehicles], allowed, seed, eject_seed=0.2, **SOFT
    )
    search.run(time.monotonic() + 600, max_iter=iterations)
    return search.plan(), search.iterations


@pytest.mark.parametrize("seed, jobs, vehicles", [(1, 90, 8), (5, 60, 5)])
def test_a_field_day_gets_the_same_moves_from_both_builds(source, seed, jobs, vehicles):
    """Generated days (breaks, windows, skills, capacities, over-subscribed), 400 moves."""
    compiled = _run(COMPILED_BUILD, field_problem(seed, jobs, vehicles), seed, 400)
    from_source = _run(
        source, source["bench.generate"].field_problem(seed, jobs, vehicles), seed, 400
    )
    assert compiled == from_source
    assert compiled[1] == 400


@settings(SETTINGS, max_examples=40)
@given(pinned_problems(), st.integers(0, 2**16))
def test_random_small_problems_get_the_same_moves_from_both_builds(source, doc, seed):
    """Pinned steps, several breaks and windows, task limits, capacities: every branch of
    the timing code is taken by some of these."""
    compiled = _run(COMPILED_BUILD, parse_problem(doc), seed, 30)
    from_source = _run(source, source["jsonio"].parse_problem(doc), seed, 30)
    assert compiled == from_source
