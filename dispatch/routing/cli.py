"""Command line: ``python -m dispatch.routing solve [-i FILE] [-o FILE] [--time-limit SECONDS]``.

Speaks VROOM's JSON on both sides and VROOM's exit statuses: 0 solved, 1 internal error, 2 input
error. A failure is always answered with ``{"code": N, "error": "..."}`` on standard output (and
in the ``-o`` file, so a caller never reads a stale plan), plus the message on standard error;
never with a Python traceback.

Sub-commands are argparse sub-parsers whose ``func`` default takes the parsed arguments and
returns the exit status; ``bench`` is added by :mod:`dispatch.routing.bench`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence

from .bench import register as register_bench
from .check import check_solution
from .json_output import dump_error, dump_solution
from .json_values import InputError
from .jsonio import loads_problem

DEFAULT_TIME_LIMIT = 10.0
OK, INTERNAL, INPUT = 0, 1, 2


class _Exit(Exception):
    """Raised to leave with a VROOM error document."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Parser(argparse.ArgumentParser):
    # argparse prints usage and exits 2 by itself; route it through the JSON error instead.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Exit(INPUT, f"command line: {message}")


def _time_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m dispatch.routing",
        description="Plan technicians' days from a VROOM-format problem.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    solve = sub.add_parser("solve", help="solve a problem, write the plan")
    solve.add_argument("-i", "--input", metavar="FILE", help="problem JSON (default: stdin)")
    solve.add_argument("-o", "--output", metavar="FILE", help="plan JSON (default: stdout)")
    solve.add_argument(
        "--time-limit",
        type=_time_limit,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help=f"solver time limit (default {DEFAULT_TIME_LIMIT:g})",
    )
    solve.add_argument(
        "--check",
        action="store_true",
        help="replay the plan with the independent checker; fail if it is invalid",
    )
    solve.set_defaults(func=_solve)
    register_bench(sub)
    return parser


def _read(path: str | None) -> bytes:
    if path is None:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise _Exit(INPUT, f"-i {path}: {exc.strerror or exc}") from None


def _write(path: str | None, doc: dict) -> None:
    text = json.dumps(doc) + "\n"
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise _Exit(INTERNAL, f"-o {path}: {exc.strerror or exc}") from None


def _solve(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    try:
        problem = loads_problem(_read(args.input))
    except InputError as exc:
        raise _Exit(INPUT, str(exc)) from None
    loading_ms = int((time.perf_counter() - began) * 1000)
    from .solver import solve  # imported here: OR-Tools loads only when something is solved

    solution = solve(problem, args.time_limit)
    solution.loading_ms = solution.loading_ms or loading_ms
    plan = dump_solution(problem, solution)
    if args.check:
        violations = check_solution(problem, plan)
        if violations:
            shown = "; ".join(violations[:5])
            more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
            raise _Exit(INTERNAL, f"plan failed the check: {shown}{more}")
    _write(args.output, plan)
    return OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of raising."""
    output = None
    try:
        args = build_parser().parse_args(argv)
        output = getattr(args, "output", None)
        if getattr(args, "func", None) is None:
            raise _Exit(INPUT, "command line: a command is required (solve or bench)")
        status = args.func(args)
        return OK if status is None else int(status)
    except _Exit as exc:
        return _fail(exc.code, exc.message, output)
    except KeyboardInterrupt:
        return _fail(INTERNAL, "interrupted", output)
    except Exception as exc:  # noqa: BLE001 - the contract: an error document, never a traceback
        return _fail(INTERNAL, f"internal error: {type(exc).__name__}: {exc}", output)


def _fail(code: int, message: str, output: str | None) -> int:
    doc = dump_error(code, message)
    sys.stderr.write(f"error: {message}\n")
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(json.dumps(doc) + "\n")
        except OSError:
            pass  # the error is already on stdout
    return code
