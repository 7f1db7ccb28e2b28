"""Slots to book on a planned day: how long one recommendation takes, beside reading the day.

A generated day (:mod:`.generate`) of ``--jobs`` jobs is planned, then ``--extra`` more jobs of
the same day (same city, skills, windows) are each given their best slots by
:func:`..recommend.recommend`, one at a time against the plan. Each recommendation is timed
(wall clock), and beside it, measured in the same run on the same machine, the time to read the
day's problem from its JSON (``loads_problem`` of the document ``solve`` would be given): the
bare reference, so that a slow machine shows as a slow reference, not as a slow engine. Every
recommended slot is booked (:func:`..recommend.book`) and the plan with it replayed by the
independent checker; a slot that fails is counted ``INVALID`` and the run fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from ..check import check_solution
from ..json_output import dump_problem
from ..jsonio import loads_problem
from ..model import Problem
from ..recommend import book, recommend
from ..solver import solve
from .generate import field_problem

#: The time one recommendation is held to on a 200-job day, in seconds.
TARGET_SECONDS = 1.0


def slots(args: argparse.Namespace, out) -> int:
    full = field_problem(args.seed, args.jobs + args.extra, args.vehicles)
    day = Problem(jobs=full.jobs[: args.jobs], vehicles=full.vehicles, durations=full.durations)
    started = time.perf_counter()
    plan = solve(day, args.time_limit, workers=args.workers)
    out(
        f"Slots to book: seed {args.seed}, {args.jobs} jobs, {len(day.vehicles)} technicians, "
        f"planned in {time.perf_counter() - started:.1f} s ({plan.served} served, "
        f"{len(plan.unassigned)} unassigned); {args.extra} more jobs, top {args.top} slots each"
    )
    if check_solution(day, plan):
        out("the plan itself is INVALID")
        return 1
    text = json.dumps(dump_problem(day))
    out()
    out("| job | slots | best cost | moved | recommend ms | read the day ms |")
    out("|---:|---:|---:|---:|---:|---:|")
    ours, reference, invalid = [], [], 0
    for job in full.jobs[args.jobs :]:
        began = time.perf_counter()
        loads_problem(text)
        reference.append(time.perf_counter() - began)
        began = time.perf_counter()
        found = recommend(day, plan, job, top=args.top)
        ours.append(time.perf_counter() - began)
        for slot in found:
            if check_solution(*book(day, plan, job, slot)):
                invalid += 1
        best = found[0] if found else None
        out(
            f"| {job.id} | {len(found)} | {best.cost if best else '–'} | "
            f"{best.moved if best else '–'} | {ours[-1] * 1000:.1f} | {reference[-1] * 1000:.1f} |"
        )
    out()
    p50, top = statistics.median(ours), max(ours)
    verdict = "met" if top <= TARGET_SECONDS else "NOT met"
    out(
        f"recommend: p50 {p50 * 1000:.1f} ms, max {top * 1000:.1f} ms "
        f"(target {TARGET_SECONDS * 1000:.0f} ms: {verdict}); "
        f"reading the day: p50 {statistics.median(reference) * 1000:.1f} ms, "
        f"max {max(reference) * 1000:.1f} ms"
    )
    if invalid:
        out(f"{invalid} INVALID slot(s)")
    return 1 if invalid else 0
