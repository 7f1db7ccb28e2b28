"""Benchmarks of the solver, with the peers side by side when they are installed.

``python -m dispatch.routing bench solomon [DIR]`` — Solomon VRPTW vs. best known (DIMACS), from
the instances shipped in ``benchmarks/solomon`` unless ``DIR`` names another copy;
``python -m dispatch.routing bench field --seeds 1,2,3`` — generated field-service days, at 1 s
and 10 s (or ``--time-limit``);
``python -m dispatch.routing bench balance`` — field days without and with ``options.balance``:
the spread of the technicians' working time and its price in travel;
``python -m dispatch.routing bench small`` — small days: time to answer, and the plan against
the full time limit's;
``python -m dispatch.routing bench scale`` — time, memory and quality from 100 to 1,000 jobs;
``python -m dispatch.routing bench mixed`` — a week of 200 reported jobs and 300 preventive ones
with windows of 5–10 working days: the preventive jobs planned inside their window, and no
urgent job displaced by them;
``python -m dispatch.routing bench slots`` — a planned 200-job day: the time to recommend slots
for one more job, beside the time to read the day.

Each prints one Markdown table row per instance as it goes (so a long run shows progress and
its output can be pasted into ``docs/benchmarks.md``), then a summary. ``--peers`` adds VROOM
(``pyvroom``) and, for Solomon, PyVRP, both from the optional ``bench`` extra.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register", "SOLOMON_DIR"]

#: The Solomon instances shipped with the repository, relative to its root (where the command and
#: ``make bench-solomon`` run).
SOLOMON_DIR = "benchmarks/solomon"


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in _names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def register(subparsers: Any) -> None:
    """Add the ``bench`` command and its sub-commands to an argparse sub-parser set."""
    bench = subparsers.add_parser("bench", help="benchmark the solver (and peers)")
    kinds = bench.add_subparsers(dest="bench", metavar="BENCH", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--time-limit",
        type=_positive,
        # None, not a number: the sub-commands share this argument object, so a default set on
        # one of them would be every one's (see DEFAULT_TIME_LIMIT).
        default=None,
        metavar="SECONDS",
        help="time limit per instance (default 10; field: 1 and 10; balance: 1; scale, mixed: 60)",
    )
    common.add_argument(
        "--peers",
        action="store_true",
        help="also run VROOM / PyVRP on the same instances when installed",
    )
    common.add_argument(
        "--workers", type=int, default=None, help="solver processes (default: up to 2)"
    )

    solomon = kinds.add_parser(
        "solomon", parents=[common], help="Solomon VRPTW instances vs. best known (DIMACS)"
    )
    solomon.add_argument(
        "directory",
        metavar="DIR",
        nargs="?",
        default=SOLOMON_DIR,
        help="folder with txt/ (and vrplib/, bks.csv) or the txt files "
        f"(default: {SOLOMON_DIR}, from the repository root)",
    )
    solomon.add_argument(
        "--instances", type=_names, default=None, metavar="R101,C101", help="only these instances"
    )
    solomon.set_defaults(func=_run("solomon"))

    field = kinds.add_parser("field", parents=[common], help="generated field-service days")
    field.add_argument("--seeds", type=_ints, default=[1, 2, 3], metavar="1,2,3")
    field.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="jobs per day (default: drawn from the seed, 60-300)",
    )
    field.add_argument(
        "--vehicles",
        type=int,
        default=None,
        metavar="M",
        help="technicians (default: drawn from the seed, 6-25)",
    )
    field.set_defaults(func=_run("field"))

    balance = kinds.add_parser(
        "balance",
        parents=[common],
        help="field days without and with options.balance: spread of working time, travel",
    )
    balance.add_argument("--seeds", type=_ints, default=[1, 2, 4], metavar="1,2,4")
    balance.add_argument(
        "--weight", type=int, default=60, metavar="W", help="options.balance (default 60)"
    )
    balance.add_argument("--jobs", type=int, default=None, metavar="N")
    balance.add_argument("--vehicles", type=int, default=None, metavar="M")
    balance.set_defaults(func=_run("balance"))

    small = kinds.add_parser(
        "small", parents=[common], help="small days: time to answer, plan vs the full limit"
    )
    small.add_argument("--days", type=int, default=40, metavar="N", help="days (default 40)")
    small.add_argument("--first", type=int, default=1, metavar="SEED", help="first day's seed")
    small.set_defaults(func=_run("small"))

    mixed = kinds.add_parser(
        "mixed",
        parents=[common],
        help="a week of reported jobs with preventive ones: windows kept, urgent work first",
    )
    mixed.add_argument("--seed", type=int, default=1)
    mixed.add_argument("--reported", type=int, default=200, metavar="N")
    mixed.add_argument("--preventive", type=int, default=300, metavar="N")
    mixed.add_argument("--technicians", type=int, default=20, metavar="M")
    mixed.set_defaults(func=_run("mixed"))

    slots = kinds.add_parser(
        "slots",
        parents=[common],
        help="slots to book on a planned day: time per recommendation beside reading the day",
    )
    slots.add_argument("--seed", type=int, default=1)
    slots.add_argument("--jobs", type=int, default=200, metavar="N", help="jobs planned")
    # 40: about five jobs a technician, an ordinary day (the generator's default draws at
    # most 25 technicians, which leaves 200 jobs over-subscribed and no room for one more).
    slots.add_argument("--vehicles", type=int, default=40, metavar="M", help="technicians")
    slots.add_argument("--extra", type=int, default=20, metavar="N", help="jobs to place")
    slots.add_argument("--top", type=int, default=5, metavar="N", help="slots per job")
    slots.set_defaults(func=_run("slots"))

    scale = kinds.add_parser(
        "scale", parents=[common], help="solve time, memory and quality from 100 to 1,000 jobs"
    )
    scale.add_argument("--sizes", type=_ints, default=[100, 200, 500, 1000], metavar="N,N")
    scale.add_argument("--seed", type=int, default=1)
    scale.set_defaults(func=_run("scale"))


#: Seconds per instance when ``--time-limit`` is not given (field: both 1 and 10 s).
DEFAULT_TIME_LIMIT = {
    "solomon": 10.0,
    "field": None,
    "small": 10.0,
    "balance": 1.0,
    "mixed": 60.0,
    "scale": 60.0,
    "slots": 10.0,
}


def _run(kind: str):
    def run(args: argparse.Namespace) -> int:
        from . import runs  # imported on use: keeps `solve` free of bench imports

        if args.time_limit is None:
            args.time_limit = DEFAULT_TIME_LIMIT[kind]
        return getattr(runs, kind)(args)

    return run
