"""Build hook: compile the routing search's hot modules with Cython when it can.

The project's metadata and dependencies are in setup.cfg. The modules below are plain Python;
their ``.pxd`` files only declare C types for the compiled build, which runs the same search
(the same moves, the same plans) about five times faster. Where Cython or a C compiler is
missing, the build goes on without them and the search runs as Python
(tests/routing/test_compiled.py checks that both give the same plans).
"""

from setuptools import setup

#: The modules compiled, in dispatch/routing/ (each with its .pxd).
COMPILED = (
    "fastdata",
    "fasttiming",
    "fastroute",
    "annealing",
    "penalty",
    "stopping",
    "lns",
    "eject",
)

try:
    from Cython.Build import cythonize
except ImportError:  # no Cython in the build environment: pure Python
    ext_modules = []
else:
    ext_modules = cythonize(
        [f"dispatch/routing/{name}.py" for name in COMPILED],
        # Type hints are for readers and linters; the C types are the .pxd files'.
        compiler_directives={"language_level": "3", "annotation_typing": False},
        quiet=True,
    )
    for ext in ext_modules:
        ext.optional = True  # no C compiler: skip it, the .py runs instead

setup(ext_modules=ext_modules)
