"""Independent checker: does a plan really work, step by step, with the problem's own matrix?

Written from the JSON interface (docs/solver-json.md), not from the solver, so that the two can
disagree. :func:`check_solution` takes a plan either as a
:class:`~dispatch.routing.model.Solution` or as the VROOM-format dict (read by
:mod:`check_shape`), and returns a list of violations, each a sentence; an empty list means the
plan is valid.

Checked here: what each route holds (known jobs and breaks, skills, every break taken once,
``max_tasks``, capacity, pinned steps in the dispatcher's order), that every job is routed
once or listed unassigned with a reason, and the summary; the field-work rules (vehicles per
job, dependencies, lateness, overtime and the soft cost with the balance) by
:mod:`check_rules`. Each route's timing, its feasibility
and the honesty of the times it reports, is checked by :mod:`check_timing`, so that a
dispatcher can trust the times printed on a technician's day sheet.
"""

from __future__ import annotations

from typing import Any

from .check_rules import check_rules
from .check_shape import FIGURES, PlanStep, int_or_none, normalise_plan
from .check_timing import RouteTiming
from .model import Problem, Solution

__all__ = ["check_solution"]


class RouteCheck(RouteTiming):
    """Checks one route: what is in it, then (when that is sound) its timing."""

    def run(self) -> None:
        """All the checks of the route, into ``out``."""
        steps = self.route.steps
        if not self.structure(steps):
            return
        self.replay_earliest(steps)
        self.replay_reported(steps)

    # -- what is in the route ----------------------------------------------------------------
    def structure(self, steps: list[PlanStep]) -> bool:
        """What the route holds; False when it is too broken to be timed."""
        ok = True
        v = self.v
        for k, s in enumerate(steps):
            if s.type not in ("start", "job", "break", "end"):
                self.bad(k, f"unknown step type {s.type!r}")
                return False
            if s.type == "start" and k != 0 or s.type == "end" and k != len(steps) - 1:
                self.bad(k, f"{s.type} step out of place")
                ok = False
            for name in ("arrival", "duration", "setup", "service", "waiting_time"):
                value = int_or_none(getattr(s, name))
                if value is None or value < 0:
                    self.bad(k, f"{name} is {getattr(s, name)!r}, expected an integer ≥ 0")
                    return False
        if v.start_index is not None and (not steps or steps[0].type != "start"):
            self.bad(None, "route does not begin with its start step")
            ok = False
        if v.end_index is not None and (not steps or steps[-1].type != "end"):
            self.bad(None, "route does not finish with its end step")
            ok = False
        job_steps = [s for s in steps if s.type == "job"]
        for k, s in enumerate(steps):
            if s.type == "job":
                job = self.jobs.get(s.id)
                if job is None:
                    self.bad(k, f"unknown job {s.id!r}")
                    ok = False
                elif not job.skills <= v.skills:
                    self.bad(
                        k,
                        f"job {job.id} needs skills {sorted(job.skills - v.skills)} "
                        "the technician lacks",
                    )
            elif s.type == "break" and s.id not in self.breaks:
                self.bad(k, f"unknown break {s.id!r} for vehicle {v.id}")
                ok = False
        taken = [s.id for s in steps if s.type == "break"]
        for b in v.breaks:
            if taken.count(b.id) > 1 or (job_steps and b.id not in taken):
                self.bad(None, f"break {b.id} taken {taken.count(b.id)} times, expected once")
        if v.max_tasks is not None and len(job_steps) > v.max_tasks:
            self.bad(None, f"{len(job_steps)} jobs, max_tasks is {v.max_tasks}")
        if ok and v.capacity:
            load = [0] * len(v.capacity)
            for s in job_steps:
                for d, amount in enumerate(self.jobs[s.id].delivery[: len(load)]):
                    load[d] += amount
            if any(x > c for x, c in zip(load, v.capacity, strict=True)):
                self.bad(None, f"deliveries {load} exceed capacity {list(v.capacity)}")
        if ok:
            self.pinned_order(steps)
        return ok

    def pinned_order(self, steps: list[PlanStep]) -> None:
        """The pinned jobs and breaks present come in the dispatcher's order."""
        present = {(s.type, s.id) for s in steps}
        wanted = [
            (p.type, p.id)
            for p in self.v.steps
            if p.type in ("job", "break") and (p.type, p.id) in present
        ]
        actual = [(s.type, s.id) for s in steps if (s.type, s.id) in set(wanted)]
        if actual != wanted:
            self.bad(None, f"pinned steps out of order: {actual} instead of {wanted}")


def check_solution(problem: Problem, solution: Solution | dict) -> list[str]:
    """Every way in which ``solution`` breaks ``problem``'s rules; empty when it is valid."""
    try:
        return _check(problem, solution)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        # A plan too malformed to replay (wrong types deep inside) is invalid, not a crash.
        return [f"malformed plan: {type(exc).__name__}: {exc}"]


def _check(problem: Problem, solution: Solution | dict) -> list[str]:
    routes, unassigned, out, summary = normalise_plan(solution)
    vehicles = {v.id: v for v in problem.vehicles}
    jobs = {j.id: j for j in problem.jobs}
    seen_vehicles: set[Any] = set()
    where_job: dict[Any, list[str]] = {j: [] for j in jobs}
    for r, route in enumerate(routes):
        label = f"routes[{r}] (vehicle {route.vehicle!r})"
        vehicle = vehicles.get(route.vehicle)
        if vehicle is None:
            out.append(f"{label}: unknown vehicle")
            continue
        if route.vehicle in seen_vehicles:
            out.append(f"{label}: vehicle has several routes")
        seen_vehicles.add(route.vehicle)
        for s in route.steps:
            if s.type == "job" and s.id in where_job:
                where_job[s.id].append(f"vehicle {route.vehicle}")
        RouteCheck(problem, vehicle, route, label, out).run()
    for uid, reason in unassigned:
        if uid not in where_job:
            out.append(f"unassigned job {uid!r} is not in the problem")
            continue
        where_job[uid].append("unassigned")
        if not isinstance(reason, str) or not reason.strip():
            out.append(f"unassigned job {uid} has no reason")
    for jid, places in where_job.items():
        team = jobs[jid].team
        if team > 1:
            if places != ["unassigned"] and (
                len(places) != team or len(set(places)) != team or "unassigned" in places
            ):
                out.append(
                    f"job {jid} is {'nowhere' if not places else ' and '.join(places)}: "
                    f"expected routed on {team} distinct vehicles or listed unassigned"
                )
        elif len(places) != 1:
            out.append(
                f"job {jid} is {'nowhere' if not places else ' and '.join(places)}: "
                "expected routed once or listed unassigned"
            )
    for v in problem.vehicles:
        for p in v.steps:
            if p.type == "job" and where_job.get(p.id) not in ([f"vehicle {v.id}"], ["unassigned"]):
                out.append(
                    f"job {p.id} is pinned on vehicle {v.id} but found on "
                    f"{' and '.join(where_job.get(p.id) or ['nothing'])}"
                )
    check_rules(problem, routes, summary, out)
    if summary is not None:
        expected = {
            name: sum(int_or_none(r.figures.get(name)) or 0 for r in routes) for name in FIGURES
        }
        expected.update(routes=len(routes), unassigned=len(unassigned))
        for name, value in expected.items():
            if summary.get(name) != value:
                out.append(f"summary {name} is {summary.get(name)!r}, the routes add up to {value}")
    return out
