"""The three benchmark runs; each prints a Markdown table as it goes and returns an exit code."""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
from pathlib import Path

from ..check import check_solution
from ..days import solve_days
from ..solver import solve
from . import peers
from . import small as small_days
from .balance import balance as balance_days
from .generate import field_problem
from .mixed import DAYS, mixed_week
from .mixed import figures as mixed_figures
from .slots import slots as slots_run
from .solomon import SCALE, find_instances, read_bks, read_instance, to_problem


def _out(text: str = "") -> None:
    print(text, flush=True)


def _peers(args: argparse.Namespace) -> dict[str, bool]:
    found = peers.available() if args.peers else {"vroom": False, "pyvrp": False}
    if args.peers:
        missing = [name for name, ok in found.items() if not ok]
        if missing:
            _out(f"(peers not installed: {', '.join(missing)}; pip install -e '.[bench]')")
    return found


def _gap(cost: float, best: float | None) -> str:
    return "" if not best else f"{100 * (cost - best) / best:.2f}%"


def solomon(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    files = find_instances(root, args.instances)
    if not files:
        _out(
            f"no Solomon .txt instance found in {root} (run from the repository root, or name "
            "the folder that holds txt/)"
        )
        return 2
    bks_file = root / "bks.csv"
    bks = read_bks(bks_file) if bks_file.exists() else {}
    found = _peers(args)
    head = "| instance | BKS | ours | gap | routes | s |"
    rule = "|---|---:|---:|---:|---:|---:|"
    if found["vroom"]:
        head += " VROOM | gap | s |"
        rule += "---:|---:|---:|"
    if found["pyvrp"]:
        head += " PyVRP | gap | s |"
        rule += "---:|---:|---:|"
    _out(f"Solomon VRPTW, DIMACS distances, {args.time_limit:g} s per instance")
    _out()
    _out(head)
    _out(rule)
    gaps: dict[str, list[float]] = {"ours": [], "vroom": [], "pyvrp": []}
    invalid = 0
    for path in files:
        name = path.stem.upper()
        best = float(bks[name]["dimacs_cost"]) if name in bks else None
        problem = to_problem(read_instance(path))
        started = time.perf_counter()
        solution = solve(problem, args.time_limit, workers=args.workers)
        seconds = time.perf_counter() - started
        violations = check_solution(problem, solution)
        cost = solution.travel / SCALE
        note = "" if not solution.unassigned else f" ({len(solution.unassigned)} unserved)"
        if violations:
            invalid += 1
            note += " INVALID"
        row = (
            f"| {name} | {best or ''} | {cost:.1f}{note} | {_gap(cost, best)} | "
            f"{len(solution.routes)} | {seconds:.1f} |"
        )
        if best and not solution.unassigned:
            gaps["ours"].append(100 * (cost - best) / best)
        if found["vroom"]:
            r = peers.run_vroom(problem)
            vcost = r["travel"] / SCALE
            row += f" {vcost:.1f} | {_gap(vcost, best)} | {r['seconds']:.1f} |"
            if best and r["served"] == len(problem.jobs):
                gaps["vroom"].append(100 * (vcost - best) / best)
        if found["pyvrp"]:
            vrp = root / "vrplib" / f"{path.stem}.vrp"
            if vrp.exists():
                r = peers.run_pyvrp_vrplib(vrp, args.time_limit)
                row += f" {r['cost']:.1f} | {_gap(r['cost'], best)} | {r['seconds']:.1f} |"
                if best and r["feasible"]:
                    gaps["pyvrp"].append(100 * (r["cost"] - best) / best)
            else:
                row += " | | |"
        _out(row)
    _out()
    for who, values in gaps.items():
        if values:
            _out(
                f"mean gap {who}: {statistics.mean(values):.2f}% over {len(values)} instances "
                f"(max {max(values):.2f}%)"
            )
    if invalid:
        _out(f"{invalid} invalid plan(s)")
    return 1 if invalid else 0


def _limits(args: argparse.Namespace) -> list[float]:
    """The time limits of the field run: ``--time-limit`` alone, or 1 and 10 s."""
    return [args.time_limit] if args.time_limit is not None else [1.0, 10.0]


def _verdict(solution, r: dict) -> str:
    """Ours against VROOM's result ``r``: priority first, then travel."""
    ours = (solution.priority, -solution.travel)
    theirs = (r["priority"], -r["travel"])
    verdict = "better" if ours > theirs else "equal" if ours == theirs else "WORSE"
    if solution.priority == r["priority"] and r["travel"]:
        verdict += f" (travel {100 * (solution.travel - r['travel']) / r['travel']:+.1f}%)"
    elif r["priority"]:
        verdict += f" (priority {100 * (solution.priority - r['priority']) / r['priority']:+.1f}%)"
    return verdict


def field(args: argparse.Namespace) -> int:
    found = _peers(args)
    limits = _limits(args)
    peer = ", VROOM with no time limit" if found["vroom"] else ""
    _out(
        f"Field-service days; ours at {' and '.join(f'{t:g} s' for t in limits)} at most{peer} "
        "(priority served of the total, jobs served / total, travel in seconds, s: time taken, "
        "stop: why our search stopped)"
    )
    _out()
    head = "| seed | jobs | techs |"
    rule = "|---:|---:|---:|"
    for t in limits:
        head += f" {t:g} s: priority | served | travel | s | stop |"
        rule += "---:|---:|---:|---:|---|"
        if found["vroom"]:
            head += " vs VROOM |"
            rule += "---|"
    if found["vroom"]:
        head += " VROOM: priority | served | travel | s |"
        rule += "---:|---:|---:|---:|"
    _out(head)
    _out(rule)
    invalid = 0
    worse = dict.fromkeys(limits, 0)
    # The target counts summed priority only; "at least as good" also weighs travel.
    less_priority = dict.fromkeys(limits, 0)
    for seed in args.seeds:
        problem = field_problem(seed, args.jobs, args.vehicles)
        n = len(problem.jobs)
        r = peers.run_vroom(problem) if found["vroom"] else None
        row = f"| {seed} | {n} | {len(problem.vehicles)} |"
        for t in limits:
            started = time.perf_counter()
            solution = solve(problem, t, workers=args.workers)
            seconds = time.perf_counter() - started
            violations = check_solution(problem, solution)
            invalid += bool(violations)
            row += (
                f" {solution.priority}/{sum(j.priority for j in problem.jobs)}"
                f"{' INVALID' if violations else ''} | {solution.served}/{n} | "
                f"{solution.travel} | {seconds:.1f} | {solution.stop_reason} |"
            )
            if r is not None:
                verdict = _verdict(solution, r)
                worse[t] += verdict.startswith("WORSE")
                less_priority[t] += solution.priority < r["priority"]
                row += f" {verdict} |"
        if r is not None:
            row += f" {r['priority']} | {r['served']}/{n} | {r['travel']} | {r['seconds']:.1f} |"
        _out(row)
    _out()
    if found["vroom"]:
        for t in limits:
            _out(
                f"ours at {t:g} s at least as good as VROOM on "
                f"{len(args.seeds) - worse[t]} of {len(args.seeds)}; at least VROOM's "
                f"priority on {len(args.seeds) - less_priority[t]} of {len(args.seeds)}"
            )
    if invalid:
        _out(f"{invalid} invalid plan(s)")
    return 1 if invalid else 0


def balance(args: argparse.Namespace) -> int:
    return balance_days(args, _out)


def mixed(args: argparse.Namespace) -> int:
    week = mixed_week(args.seed, args.reported, args.preventive, args.technicians)
    runs = {}
    for name, problem in (("alone", week.without_preventive()), ("mixed", week.problem)):
        started = time.perf_counter()
        # As the planning board plans a week: day by day when it is large (..days).
        solution = solve_days(problem, DAYS, args.time_limit, solve, workers=args.workers)
        seconds = time.perf_counter() - started
        errors = check_solution(problem, solution)
        runs[name] = solution
        _out(
            f"{name}: {len(problem.jobs)} jobs, {solution.served} planned, "
            f"travel {solution.travel} s, {seconds:.1f} s ({solution.stop_reason})"
            + (f", INVALID: {errors[:3]}" if errors else "")
        )
        if errors:
            return 1
    found = mixed_figures(week, runs["alone"], runs["mixed"])
    _out()
    _out("| figure | value |")
    _out("|---|---:|")
    for key, value in found.items():
        _out(f"| {key} | {value} |")
    return 1 if found["urgent_displaced"] else 0


def small(args: argparse.Namespace) -> int:
    return small_days.small(args, _out)


def slots(args: argparse.Namespace) -> int:
    return slots_run(args, _out)


def _measure(conn, n: int, m: int, seed: int, limit: float, workers) -> None:
    problem = field_problem(seed, n, m)
    started = time.perf_counter()
    solution = solve(problem, limit, workers=workers)
    seconds = time.perf_counter() - started
    violations = check_solution(problem, solution)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    conn.send(
        {
            "seconds": seconds,
            "priority": solution.priority,
            "served": solution.served,
            "travel": solution.travel,
            "total": sum(j.priority for j in problem.jobs),
            "valid": not violations,
            "rss_mb": (own + kids) / 1024,
        }
    )
    conn.close()


def scale(args: argparse.Namespace) -> int:
    _out(
        f"Scale: generated days (seed {args.seed}), one technician per ~16 jobs, "
        f"time limit {args.time_limit:g} s"
    )
    _out()
    _out(
        "| jobs | techs | time s | priority served / total | served | travel | "
        "peak RSS MB | valid |"
    )
    _out("|---:|---:|---:|---:|---:|---:|---:|---|")
    ctx = multiprocessing.get_context("fork")
    failed = 0
    for n in args.sizes:
        m = max(6, round(n * 0.06))
        # A fresh process per size, so that its peak memory is its own.
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_measure, args=(child, n, m, args.seed, args.time_limit, args.workers)
        )
        proc.start()
        child.close()
        r = parent.recv() if parent.poll(args.time_limit * 3 + 120) else None
        proc.join()
        if r is None:
            _out(f"| {n} | {m} | no answer | | | | | no |")
            failed += 1
            continue
        failed += not r["valid"]
        _out(
            f"| {n} | {m} | {r['seconds']:.1f} | {r['priority']} / {r['total']} | "
            f"{r['served']}/{n} | {r['travel']} | {r['rss_mb']:.0f} | "
            f"{'yes' if r['valid'] else 'NO'} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m dispatch.routing bench ...")
