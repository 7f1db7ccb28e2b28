"""The mixed week: a week of reported failures planned together with preventive visits.

``mixed_week(seed)`` builds one week (Monday to Friday) the same way on every machine: 20
technicians, each day of each a vehicle (08:00–17:00 with a 30-minute lunch between 11:30 and
14:00); 200 reported jobs, each reported on a day of the week and due by its end (urgent ones
within two days), on the priorities the app gives them (low 10, normal 30, high 60, urgent 85
plus 15 for a deadline on the first day); and 300 preventive jobs at the app's preventive
priority (5, below any failure), each with a window of 5 to 10 working days that may have
opened last week or run into the next.

A job's time windows are, on every day of its window within the week, the working hours less
its service — as the app's problem builder writes them. Times are seconds from Monday 00:00.

The run solves the week twice, with and without the preventive jobs, as the planning board
plans a week (:func:`..days.solve_days`: day by day, earliest first, when it is large), and
says how many preventive jobs were planned inside their window (all of them, and those whose
window closes this week: they cannot wait), and whether an urgent job planned without them lost
its place (left out, or moved to a later day) once they are in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..model import Break, Job, Problem, Solution, Vehicle
from .generate import CITY, HOUR, point_near, travel_seconds

DAY = 24 * HOUR
DAYS = 5
OPEN, CLOSE = 8 * HOUR, 17 * HOUR
#: The app's engine priorities (dispatch.planning.problem; a test holds them equal).
PRIORITY = {"low": 10, "normal": 30, "high": 60, "urgent": 85}
DUE_FIRST_DAY = 15
PREVENTIVE = 5
URGENT_FROM = PRIORITY["urgent"]


@dataclass(frozen=True)
class Week:
    problem: Problem
    reported: frozenset[int]
    urgent: frozenset[int]
    #: preventive job → (first, last) day of its window, in days from Monday (may be < 0, > 4)
    windows: dict[int, tuple[int, int]]

    def without_preventive(self) -> Problem:
        jobs = [j for j in self.problem.jobs if j.id in self.reported]
        return Problem(jobs=jobs, vehicles=self.problem.vehicles, durations=self.problem.durations)


def _day_windows(first: int, last: int, service: int) -> tuple[tuple[int, int], ...]:
    days = range(max(0, first), min(DAYS - 1, last) + 1)
    return tuple((d * DAY + OPEN, d * DAY + CLOSE - service) for d in days)


def mixed_week(
    seed: int = 1, reported: int = 200, preventive: int = 300, technicians: int = 20
) -> Week:
    """One generated week (see the module docstring)."""
    rng = random.Random(f"mixed-{seed}-{reported}-{preventive}-{technicians}")
    districts = [point_near(rng, CITY, 4.0) for _ in range(6)]
    n_sites = max(1, (reported + preventive) // 3)
    sites = [point_near(rng, rng.choice(districts), 1.5) for _ in range(n_sites)]
    homes = [point_near(rng, CITY, 8.0) for _ in range(technicians)]
    places = homes + sites
    matrix = [[travel_seconds(a, b) for b in places] for a in places]
    trades = [frozenset(rng.sample(range(1, 6), rng.randint(2, 4))) for _ in range(technicians)]
    vehicles = []
    for day in range(DAYS):
        lunch = Break(
            id=1,
            time_windows=((day * DAY + 11 * HOUR + 1800, day * DAY + 14 * HOUR),),
            service=1800,
            description="lunch",
        )
        for k in range(technicians):
            vehicles.append(
                Vehicle(
                    id=day * technicians + k + 1,
                    start_index=k,
                    end_index=k,
                    time_window=(day * DAY + OPEN, day * DAY + CLOSE),
                    skills=trades[k],
                    breaks=(lunch,),
                    description=f"technician {k + 1}, day {day + 1}",
                    start=homes[k],
                    end=homes[k],
                )
            )
    jobs, urgent, windows = [], set(), {}
    for i in range(reported + preventive):
        site = rng.randrange(n_sites)
        skills = frozenset(rng.sample(range(1, 6), 1)) if rng.random() < 0.6 else frozenset()
        if i < reported:
            level = rng.choices(list(PRIORITY), weights=(15, 40, 25, 20))[0]
            on = rng.randrange(DAYS)
            last = min(DAYS - 1, on + 1) if level == "urgent" else DAYS - 1
            priority = PRIORITY[level] + (DUE_FIRST_DAY if level == "urgent" else 0)
            service = rng.choice((30, 45, 60, 60, 90, 120)) * 60
            if level == "urgent":
                urgent.add(i + 1)
        else:
            first = rng.randint(-4, 4)
            last = first + rng.randint(5, 10) - 1
            on, priority = first, PREVENTIVE
            service = rng.choice((30, 45, 60, 60, 90)) * 60
            windows[i + 1] = (first, last)
        jobs.append(
            Job(
                id=i + 1,
                location_index=technicians + site,
                service=service,
                setup=300,
                time_windows=_day_windows(on, last, service),
                skills=skills,
                priority=priority,
                description=f"{'reported' if i < reported else 'preventive'} {i + 1}",
                location=sites[site],
            )
        )
    problem = Problem(jobs=jobs, vehicles=vehicles, durations=matrix)
    return Week(problem, frozenset(range(1, reported + 1)), frozenset(urgent), windows)


def planned_days(solution: Solution) -> dict[int, int]:
    """Job → the day (from Monday) its service starts."""
    return {
        s.id: (s.arrival + s.waiting_time) // DAY
        for r in solution.routes
        for s in r.steps
        if s.type == "job" and s.id is not None
    }


def figures(week: Week, alone: Solution, mixed: Solution) -> dict[str, float | int]:
    """What the run reports: preventive jobs inside their window, and the urgent jobs' fate."""
    days_alone, days_mixed = planned_days(alone), planned_days(mixed)
    inside = [
        j for j, (a, b) in week.windows.items() if j in days_mixed and a <= days_mixed[j] <= b
    ]
    closing = [j for j, (_, b) in week.windows.items() if b <= DAYS - 1]
    urgent_alone = {j for j in week.urgent if j in days_alone}
    displaced = [j for j in urgent_alone if j not in days_mixed]
    later = [j for j in urgent_alone if j in days_mixed and days_mixed[j] > days_alone[j]]
    return {
        "preventive": len(week.windows),
        "preventive_planned_in_window": len(inside),
        "preventive_share_in_window": round(len(inside) / max(1, len(week.windows)), 3),
        "closing_this_week": len(closing),
        "closing_planned_in_window": len(set(inside) & set(closing)),
        "urgent": len(week.urgent),
        "urgent_planned_alone": len(urgent_alone),
        "urgent_planned_mixed": len({j for j in week.urgent if j in days_mixed}),
        "urgent_displaced": len(displaced),
        "urgent_later_day": len(later),
        "reported_planned_alone": sum(1 for j in week.reported if j in days_alone),
        "reported_planned_mixed": sum(1 for j in week.reported if j in days_mixed),
    }
