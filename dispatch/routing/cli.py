"""Command line: ``python -m dispatch.routing solve [-i FILE] [-o FILE] [--time-limit SECONDS]``,
and ``recommend -i FILE --plan FILE --job FILE [--top N]``: the best slots for one more job.

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
from .jsonio import loads_document, loads_problem, parse_problem, parse_problem_and_job

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
    _add_recommend(sub)
    register_bench(sub)
    return parser


def _count(low: int):
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return read


def _add_recommend(sub) -> None:
    rec = sub.add_parser("recommend", help="the best slots for one more job in a plan")
    rec.add_argument("-i", "--input", metavar="FILE", help="problem JSON (default: stdin)")
    rec.add_argument("--plan", required=True, metavar="FILE", help="plan JSON of that problem")
    rec.add_argument("--job", required=True, metavar="FILE", help="the job to place (JSON object)")
    rec.add_argument("-o", "--output", metavar="FILE", help="slots JSON (default: stdout)")
    rec.add_argument("--top", type=_count(1), default=5, metavar="N", help="slots (default 5)")
    rec.add_argument(
        "--slot",
        type=_count(1),
        default=3600,
        metavar="SECONDS",
        help="length of the window a person is told (default 3600)",
    )
    rec.add_argument(
        "--max-moved",
        type=_count(0),
        default=None,
        metavar="N",
        help="only slots that change the start of at most N other visits",
    )
    rec.set_defaults(func=_recommend)


def _document(path: str | None, option: str) -> object:
    """The decoded JSON of a file (stdin when None); its errors name the file."""
    name = path if path is not None else "stdin"
    try:
        return loads_document(_read(path, option))
    except InputError as exc:
        raise _Exit(INPUT, f"{name}: {exc}") from None


def _recommend(args: argparse.Namespace) -> int:
    from .recommend import PlanError, recommend

    began = time.perf_counter()
    problem_doc = _document(args.input, "-i")
    job_doc = _document(args.job, "--job")
    plan_doc = _document(args.plan, "--plan")
    name = args.input if args.input is not None else "stdin"
    try:
        alone = parse_problem(problem_doc)
    except InputError as exc:
        raise _Exit(INPUT, f"{name}: {exc}") from None
    try:
        problem, job = parse_problem_and_job(problem_doc, job_doc)
    except InputError as exc:
        mine = exc.where == "job" or exc.where.startswith("job.")
        raise _Exit(INPUT, f"{args.job if mine else name}: {exc}") from None
    if not isinstance(plan_doc, dict) or plan_doc.get("code") != 0:
        raise _Exit(INPUT, f"{args.plan}: not a plan (expected the output of solve, code 0)")
    violations = check_solution(alone, plan_doc)
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise _Exit(INPUT, f"{args.plan}: not a valid plan of the problem: {violations[0]}{more}")
    try:
        slots = recommend(problem, plan_doc, job, args.top, args.slot, max_moved=args.max_moved)
    except PlanError as exc:
        raise _Exit(INPUT, f"{args.plan}: {exc}") from None
    doc = {
        "code": OK,
        "job": job.id,
        "slots": [s.as_dict() for s in slots],
        "summary": {"computing_time": int((time.perf_counter() - began) * 1000)},
    }
    _write(args.output, doc)
    return OK


def _read(path: str | None, option: str = "-i") -> bytes:
    if path is None:
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise _Exit(INPUT, f"{option} {path}: {exc.strerror or exc}") from None


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
            raise _Exit(INPUT, "command line: a command is required (solve, recommend or bench)")
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
