"""Reasons for unassigned jobs: each cause on a problem made to have exactly that cause."""

from __future__ import annotations

import random
import time

import pytest

from dispatch.routing.model import (
    Break,
    Job,
    PinnedStep,
    Problem,
    Route,
    RouteStep,
    Solution,
    Vehicle,
)
from dispatch.routing.reasons import explain_all, explain_unassigned, format_time, format_window

# Depot 0; site 1 is 10 minutes away, site 2 an hour away.
MATRIX = [[0, 600, 3600], [600, 0, 3000], [3600, 3000, 0]]
DAY_SHIFT = (8 * 3600, 17 * 3600)


def tech(id_=1, **kw) -> Vehicle:
    kw.setdefault("time_window", DAY_SHIFT)
    return Vehicle(id=id_, start_index=0, end_index=0, **kw)


def why(job: Job, *vehicles: Vehicle, solution: Solution | None = None) -> str:
    problem = Problem(jobs=[job], vehicles=list(vehicles) or [tech()], durations=MATRIX)
    return explain_unassigned(problem, job, solution)


def test_no_technician_has_the_skill():
    job = Job(1, 1, skills=frozenset({3}))
    assert why(job, tech(skills=frozenset({1})), tech(2)) == "no technician has skills [3]"


def test_skills_spread_over_several_technicians():
    job = Job(1, 1, skills=frozenset({1, 2}))
    assert (
        why(job, tech(skills=frozenset({1})), tech(2, skills=frozenset({2})))
        == "no technician has all the skills [1, 2]"
    )


def test_no_technician_at_all():
    problem = Problem(jobs=[Job(1, 1)], vehicles=[], durations=MATRIX)
    assert explain_unassigned(problem, problem.jobs[0]) == "no technician available"


def test_capacity():
    job = Job(1, 1, delivery=(5,))
    assert why(job, tech(capacity=(4,)), tech(2, capacity=(3,))) == (
        "not enough capacity: delivery [5] exceeds every suitable technician's capacity"
    )
    # The technician with room lacks the skill: still a capacity problem among those able.
    job = Job(1, 1, delivery=(5,), skills=frozenset({1}))
    assert "not enough capacity" in why(
        job, tech(capacity=(4,), skills=frozenset({1})), tech(2, capacity=(9,))
    )


def test_window_unreachable():
    # Shift opens at 08:00, the site is 10 minutes away, the window closes at 08:05.
    job = Job(1, 1, time_windows=((8 * 3600, 8 * 3600 + 300),))
    assert why(job) == "window 08:00–08:05 unreachable from any shift"


def test_several_windows_unreachable():
    job = Job(1, 2, time_windows=((7 * 3600, 8 * 3600), (18 * 3600, 19 * 3600)))
    assert why(job) == "windows 07:00–08:00, 18:00–19:00 unreachable from any shift"


def test_window_reachable_by_one_shift_is_not_unreachable():
    job = Job(1, 1, time_windows=((6 * 3600, 6 * 3600 + 900),))
    early = tech(2, time_window=(5 * 3600, 13 * 3600))
    assert why(job, tech(), early) == "not enough working time left"


def test_service_longer_than_any_shift():
    job = Job(1, 1, service=10 * 3600)
    assert why(job) == "cannot be finished within any shift (10h00 on site + travel)"


def test_way_back_does_not_fit():
    # Service can start at 16:00 but, with the hour back to the depot, ends after 17:00.
    job = Job(1, 2, service=1800, time_windows=((16 * 3600, 16 * 3600),))
    assert why(job).startswith("cannot be finished within any shift")


def test_too_far_for_max_travel_time():
    job = Job(1, 2)
    assert why(job, tech(max_travel_time=3600)) == (
        "too far: the trip exceeds every suitable technician's max travel time"
    )


def test_only_the_breaks_prevent_it():
    # A one-hour shift at the depot with a mandatory 30-minute break: 45 minutes of work
    # would fit, but not together with the break.
    job = Job(1, 0, service=2700)
    shift = tech(
        time_window=(8 * 3600, 9 * 3600), breaks=(Break(1, ((8 * 3600, 9 * 3600),), service=1800),)
    )
    assert why(job, shift) == "does not fit around the technicians' breaks"


def test_break_that_can_be_taken_before_the_job():
    # The lunch window is before the job's window: take lunch first, then the job.
    job = Job(1, 1, service=1800, time_windows=((14 * 3600, 15 * 3600),))
    shift = tech(breaks=(Break(1, ((12 * 3600, 13 * 3600),), service=3600),))
    assert why(job, shift) == "not enough working time left"


def test_feasible_alone_means_others_took_the_time():
    job = Job(1, 1, service=3600, priority=1)
    assert why(job) == "not enough working time left"


def test_feasible_alone_with_higher_priority_work_served():
    job = Job(1, 1, service=3600, priority=1)
    busy = Job(2, 1, service=8 * 3600, priority=50)
    problem = Problem(jobs=[job, busy], vehicles=[tech()], durations=MATRIX)
    route = Route(
        vehicle=1,
        steps=[
            RouteStep("start", 28800, 0),
            RouteStep("job", 29400, 600, id=2),
            RouteStep("end", 58800, 1200),
        ],
    )
    solution = Solution(routes=[route])
    assert explain_unassigned(problem, job, solution) == (
        "not enough working time left (taken by 1 higher-priority jobs)"
    )
    assert explain_all(problem, solution) == {1: explain_unassigned(problem, job, solution)}


def test_feasible_alone_but_task_limit_or_capacity_used_up():
    job = Job(1, 1, delivery=(2,))
    other = Job(2, 1, delivery=(3,))
    v = tech(max_tasks=1, capacity=(4,))
    problem = Problem(jobs=[job, other], vehicles=[v], durations=MATRIX)
    solution = Solution(routes=[Route(vehicle=1, steps=[RouteStep("job", 0, 0, id=2)])])
    assert explain_unassigned(problem, job, solution) == (
        "every suitable technician already has the most tasks allowed"
    )
    v = tech(capacity=(4,))
    problem = Problem(jobs=[job, other], vehicles=[v], durations=MATRIX)
    assert explain_unassigned(problem, job, solution) == (
        "not enough capacity left on the suitable technicians"
    )


def test_pinned_job_is_judged_on_its_technician_only():
    job = Job(1, 1, skills=frozenset({2}))
    pinned_on = tech(1, steps=(PinnedStep("job", 1),))
    able = tech(2, skills=frozenset({2}))
    assert why(job, pinned_on, able) == "pinned on technician 1: no technician has skills [2]"
    late = tech(1, skills=frozenset({2}), steps=(PinnedStep("job", 1, service_before=7 * 3600),))
    assert why(job, late, able) == (
        "pinned on technician 1: window from 00:00 unreachable from that shift"
    )


def test_time_formats():
    assert format_time(8 * 3600) == "08:00"
    assert format_time(8 * 3600 + 90) == "08:01:30"
    assert format_time(86400 + 9 * 3600) == "day 2 09:00"
    assert format_time(1_795_737_600 + 8 * 3600) == "2026-11-27 08:00"
    assert format_time(10 * 86400) == "864000s"
    assert (
        format_window((1_795_737_600 + 8 * 3600, 1_795_737_600 + 9 * 3600))
        == "2026-11-27 08:00–09:00"
    )
    assert format_window((86400 + 8 * 3600, 86400 + 9 * 3600)) == "day 2 08:00–09:00"
    assert format_window((8 * 3600, 2**31 - 1)) == "from 08:00"


@pytest.mark.parametrize("seed", [1])
def test_fast_enough_for_every_unassigned_job(seed):
    rng = random.Random(seed)
    n = 60
    matrix = [[0 if a == b else rng.randint(60, 3600) for b in range(n)] for a in range(n)]
    lunch = (Break(1, ((11 * 3600, 14 * 3600),), 1800), Break(2, ((15 * 3600, 16 * 3600),), 600))
    vehicles = [
        Vehicle(
            i,
            start_index=rng.randrange(n),
            end_index=rng.randrange(n),
            time_window=DAY_SHIFT,
            skills=frozenset(rng.sample(range(5), 3)),
            breaks=lunch,
        )
        for i in range(100)
    ]
    jobs = [
        Job(
            i,
            rng.randrange(n),
            service=rng.randint(600, 7200),
            time_windows=tuple(
                sorted((s, s + 3600) for s in rng.sample(range(6 * 3600, 18 * 3600, 1800), 3))
            ),
            skills=frozenset(rng.sample(range(6), 1)),
        )
        for i in range(300)
    ]
    problem = Problem(jobs=jobs, vehicles=vehicles, durations=matrix)
    began = time.perf_counter()
    reasons = explain_all(problem, Solution())
    assert len(reasons) == 300 and all(reasons.values())
    assert time.perf_counter() - began < 5  # 300 jobs × 100 shifts × 3 windows × 2 breaks


def test_setup_is_not_held_against_a_job_sharing_its_place():
    # 9 hours of setup do not fit a 9-hour shift, unless the job follows another one at the
    # same place, which skips the setup: then it is not impossible, only crowded out.
    long_setup = Job(1, 1, setup=9 * 3600, service=600)
    assert why(long_setup).startswith("cannot be finished within any shift")
    neighbour = Job(2, 1, service=600)
    problem = Problem(jobs=[long_setup, neighbour], vehicles=[tech()], durations=MATRIX)
    assert explain_unassigned(problem, long_setup) == "not enough working time left"
