"""Independent checker: does a plan really work, step by step, with the problem's own matrix?

Written from the JSON contract (``shared/contracts/solver-json.md``), not from the solver, so
that the two can disagree. :func:`check_solution` takes a plan either as a
:class:`~dispatch.routing.model.Solution` or as the VROOM-format dict, and returns a list of
violations, each a sentence; an empty list means the plan is valid.

Time semantics (VROOM's):

* a route leaves its start no earlier than the shift opens;
* a job's *task start* (setup, then service) must fall in one of its windows; arriving early
  means waiting; setup is skipped when the previous task was at the same place;
* a break has no place: it is taken between two tasks, and the time spent waiting for a break
  window to open may be used to drive towards the next task (VROOM's travel margin);
* the shift closes with the arrival at the end place (or with the last task, on an open route);
* ``max_travel_time`` bounds the route's total travel, ``max_tasks`` its number of jobs.

Two things are checked. First *feasibility*: the order of steps is replayed from the shift start
as early as possible (being early never hurts, since one may always wait), which is the plan's
best case; any window, break or shift it misses is a violation. Then *honesty of the figures*:
the arrivals, waits, travel and totals the plan reports must follow from its own start time and
the matrix, so a dispatcher can trust the times printed on a technician's day sheet.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import HORIZON, Problem, Solution, Vehicle

__all__ = ["check_solution"]

FIGURES = ("cost", "setup", "service", "duration", "waiting_time", "priority")


@dataclass
class _Step:
    type: str
    id: Any
    arrival: Any
    duration: Any
    setup: Any
    service: Any
    waiting_time: Any
    location_index: Any = None


@dataclass
class _Route:
    vehicle: Any
    steps: list[_Step]
    figures: dict[str, Any] = field(default_factory=dict)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _normalise(solution: Any) -> tuple[list[_Route], list[Any], list[str], dict | None]:
    """Bring both plan shapes to one; structural defects become violations, not exceptions."""
    problems: list[str] = []
    if isinstance(solution, Solution):
        routes = [_Route(r.vehicle, [_Step(s.type, s.id, s.arrival, s.duration, s.setup,
                                           s.service, s.waiting_time, s.location_index)
                                     for s in r.steps],
                         {k: getattr(r, k) for k in FIGURES})
                  for r in solution.routes]
        unassigned = [(u.id, u.reason) for u in solution.unassigned]
        return routes, unassigned, problems, None
    if not isinstance(solution, dict):
        return [], [], [f"plan is neither a Solution nor a JSON object: {type(solution)}"], None
    if solution.get("code") != 0:
        problems.append(f"code is {solution.get('code')!r}, expected 0")
    routes = []
    for r, route in enumerate(solution.get("routes", [])):
        if not isinstance(route, dict) or not isinstance(route.get("steps"), list):
            problems.append(f"routes[{r}]: not a route object with steps")
            continue
        steps = []
        for s in route["steps"]:
            s = s if isinstance(s, dict) else {}
            steps.append(_Step(s.get("type"), s.get("id"), s.get("arrival"), s.get("duration"),
                               s.get("setup"), s.get("service"), s.get("waiting_time"),
                               s.get("location_index")))
        routes.append(_Route(route.get("vehicle"), steps, {k: route.get(k) for k in FIGURES}))
    unassigned = [(u.get("id"), u.get("reason")) if isinstance(u, dict) else (None, None)
                  for u in solution.get("unassigned", [])]
    summary = solution.get("summary")
    if not isinstance(summary, dict):
        problems.append("summary missing")
        summary = None
    return routes, unassigned, problems, summary


def _pin_bounds(vehicle: Vehicle) -> dict[tuple[str, Any], tuple[int, int]]:
    bounds = {}
    for p in vehicle.steps:
        low = max(x for x in (p.service_at, p.service_after, 0) if x is not None)
        high = min(x for x in (p.service_at, p.service_before, HORIZON) if x is not None)
        bounds[(p.type, p.id)] = (low, high)
    return bounds


def _start_in(windows, ready: int, low: int, high: int) -> int | None:
    """Earliest start ≥ ``ready`` inside one of ``windows`` and within ``[low, high]``."""
    for ws, we in sorted(windows):
        start = max(ready, ws, low)
        if start <= min(we, high):
            return start
    return None


class _RouteCheck:
    """Checks one route; ``out`` collects the violations."""

    def __init__(self, problem: Problem, vehicle: Vehicle, route: _Route, label: str,
                 out: list[str]) -> None:
        self.p, self.v, self.route, self.label, self.out = problem, vehicle, route, label, out
        self.jobs = {j.id: j for j in problem.jobs}
        self.breaks = {b.id: b for b in vehicle.breaks}
        self.bounds = _pin_bounds(vehicle)

    def bad(self, k: int | None, message: str) -> None:
        where = self.label if k is None else f"{self.label} step {k}"
        self.out.append(f"{where}: {message}")

    def run(self) -> None:
        steps = self.route.steps
        if not self.structure(steps):
            return
        self.replay_earliest(steps)
        self.replay_reported(steps)

    # -- what is in the route ----------------------------------------------------------------
    def structure(self, steps: list[_Step]) -> bool:
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
                value = _int_or_none(getattr(s, name))
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
                    self.bad(k, f"job {job.id} needs skills {sorted(job.skills - v.skills)} "
                                "the technician lacks")
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
                for d, amount in enumerate(self.jobs[s.id].delivery[:len(load)]):
                    load[d] += amount
            if any(x > c for x, c in zip(load, v.capacity)):
                self.bad(None, f"deliveries {load} exceed capacity {list(v.capacity)}")
        if ok:
            self.pinned_order(steps)
        return ok

    def pinned_order(self, steps: list[_Step]) -> None:
        present = {(s.type, s.id) for s in steps}
        wanted = [(p.type, p.id) for p in self.v.steps
                  if p.type in ("job", "break") and (p.type, p.id) in present]
        actual = [(s.type, s.id) for s in steps if (s.type, s.id) in set(wanted)]
        if actual != wanted:
            self.bad(None, f"pinned steps out of order: {actual} instead of {wanted}")

    def location(self, s: _Step) -> int | None:
        if s.type == "job":
            return self.jobs[s.id].location_index
        return self.v.start_index if s.type == "start" else self.v.end_index

    # -- feasibility: replay as early as possible from the shift start ------------------------
    def replay_earliest(self, steps: list[_Step]) -> None:
        v, m = self.v, self.p.durations
        shift_start, shift_end = v.time_window
        start_low, start_high = self.bounds.get(("start", None), (0, HORIZON))
        end_low, end_high = self.bounds.get(("end", None), (0, HORIZON))
        t, prev, travel, pending = max(shift_start, start_low), v.start_index, 0, []
        for k, s in enumerate(steps):
            if s.type == "start":
                if t > start_high:
                    self.bad(k, f"cannot leave before {t}, pinned start bound is {start_high}")
                continue
            if s.type == "break":
                pending.append((k, s))
                continue
            loc = self.location(s)
            d = m[prev][loc] if prev is not None and loc is not None else 0
            t, rest = self.take_breaks(pending, t, d)
            pending, travel, arrival = [], travel + d, t + rest
            if s.type == "end":
                if arrival > min(shift_end, end_high):
                    self.bad(k, f"reaches the end at {arrival} at best, after the shift "
                                f"closes at {shift_end} (or its pinned bound {end_high})")
                t = max(arrival, end_low)  # arriving before a pinned end time means waiting
                continue
            job = self.jobs[s.id]
            start = _start_in(job.time_windows, arrival, *self.bounds.get(("job", job.id),
                                                                         (0, HORIZON)))
            if start is None:
                self.bad(k, f"job {job.id}: arrives at {arrival} at best, no window "
                            f"{list(job.time_windows)} (or pinned bound) can still be met")
                return
            t = start + (job.setup if loc != prev or prev is None else 0) + job.service
            prev = loc
        t, _ = self.take_breaks(pending, t, 0)
        if (not steps or steps[-1].type != "end") and t > shift_end:
            self.bad(None, f"last task ends at {t} at best, after the shift closes at {shift_end}")
        if v.max_travel_time is not None and travel > v.max_travel_time:
            self.bad(None, f"travels {travel} s, max_travel_time is {v.max_travel_time}")

    def take_breaks(self, pending, t: int, rest: int) -> tuple[int, int]:
        """Take ``pending`` breaks from time ``t`` with ``rest`` seconds still to drive."""
        for k, s in pending:
            brk = self.breaks[s.id]
            start = _start_in(brk.time_windows, t, *self.bounds.get(("break", brk.id),
                                                                   (0, HORIZON)))
            if start is None:
                self.bad(k, f"break {brk.id}: free at {t} at best, after its windows "
                            f"{list(brk.time_windows)}")
                return t, rest
            rest -= min(rest, start - t)  # drive while waiting for the break window
            t = start + brk.service
        return t, rest

    # -- honesty: the figures the plan reports -------------------------------------------------
    def replay_reported(self, steps: list[_Step]) -> None:
        v, m = self.v, self.p.durations
        # ``free``: when the previous task ended by the plan's own figures; None before an
        # open start, where the first arrival is only bounded by the shift.
        free, prev, cum, pending = None, v.start_index, 0, []
        totals = {"setup": 0, "service": 0, "waiting_time": 0, "priority": 0}
        for k, s in enumerate(steps):
            begin = s.arrival + s.waiting_time
            for name in ("setup", "service", "waiting_time"):
                totals[name] += getattr(s, name)
            if s.type == "start":
                if s.arrival < v.time_window[0]:
                    self.bad(k, f"leaves at {s.arrival}, before the shift opens")
                low, high = self.bounds.get(("start", None), (0, HORIZON))
                if not low <= begin <= high:
                    self.bad(k, f"leaves at {begin}, outside its pinned bounds [{low}, {high}]")
                if s.duration != 0:
                    self.bad(k, f"start with travel {s.duration}, expected 0")
                free = begin
            elif s.type == "break":
                pending.append((k, s))
            else:
                loc = self.location(s)
                if s.location_index is not None and s.location_index != loc:
                    self.bad(k, f"location_index {s.location_index}, expected {loc}")
                d = m[prev][loc] if prev is not None and loc is not None else 0
                cum += d
                if s.duration != cum:
                    self.bad(k, f"cumulated travel {s.duration}, the matrix gives {cum}")
                earliest = self.reported_breaks(pending, free, d, cum - d, cum)
                # Without breaks in between, arrival is exactly departure + travel; with
                # breaks, part of the drive may have been done while waiting for them.
                exact = free is not None and not pending
                if s.arrival < earliest or exact and s.arrival != earliest:
                    self.bad(k, f"arrival {s.arrival}, but the previous step and {d} s of "
                                f"travel give {earliest}")
                pending = []
                if s.type == "end":
                    if s.arrival > v.time_window[1]:
                        self.bad(k, f"arrives at the end at {s.arrival}, after the shift "
                                    f"closes at {v.time_window[1]}")
                    low, high = self.bounds.get(("end", None), (0, HORIZON))
                    if not low <= begin <= high:
                        self.bad(k, f"ends at {begin}, outside its pinned bounds "
                                    f"[{low}, {high}]")
                    continue
                job = self.jobs[s.id]
                low, high = self.bounds.get(("job", job.id), (0, HORIZON))
                if _start_in(job.time_windows, begin, low, high) != begin:
                    self.bad(k, f"job {job.id} starts at {begin}, outside its windows "
                                f"{list(job.time_windows)} or pinned bounds")
                setup = 0 if prev is not None and prev == loc else job.setup
                if s.setup != setup or s.service != job.service:
                    self.bad(k, f"job {job.id} reported with setup {s.setup}, service "
                                f"{s.service}; expected {setup}, {job.service}")
                totals["priority"] += job.priority
                free, prev = begin + s.setup + s.service, loc
        last = self.reported_breaks(pending, free, 0, cum, cum)
        if steps and steps[-1].type != "end" and last > v.time_window[1]:
            self.bad(None, f"last task ends at {last}, after the shift closes")
        self.figures({**totals, "duration": cum, "cost": cum})

    def reported_breaks(self, pending, free: int | None, rest: int, cum_before: int,
                        cum_after: int) -> int:
        """Check the breaks taken between two places; return the earliest next arrival.

        The drive of ``rest`` seconds is done as much as possible while waiting for each
        break, which gives the earliest arrival the reported break times allow.
        """
        t = self.v.time_window[0] if free is None else free
        for k, s in pending:
            brk = self.breaks[s.id]
            begin = s.arrival + s.waiting_time
            if s.service != brk.service or s.setup != 0:
                self.bad(k, f"break {brk.id} reported with service {s.service}, setup "
                            f"{s.setup}; expected {brk.service}, 0")
            low, high = self.bounds.get(("break", brk.id), (0, HORIZON))
            if _start_in(brk.time_windows, begin, low, high) != begin:
                self.bad(k, f"break {brk.id} starts at {begin}, outside its windows "
                            f"{list(brk.time_windows)}")
            if begin < t:
                self.bad(k, f"break {brk.id} starts at {begin}, before the previous step "
                            f"ends at {t}")
            if not cum_before <= s.duration <= cum_after:
                self.bad(k, f"cumulated travel {s.duration} not between {cum_before} and "
                            f"{cum_after}")
            rest -= min(rest, max(0, begin - t))
            t = max(t, begin) + s.service
        return t + rest

    def figures(self, expected: dict[str, int]) -> None:
        for name, value in expected.items():
            reported = self.route.figures.get(name)
            if reported != value:
                self.bad(None, f"route {name} is {reported!r}, the steps add up to {value}")


def check_solution(problem: Problem, solution: Solution | dict) -> list[str]:
    """Every way in which ``solution`` breaks ``problem``'s rules; empty when it is valid."""
    try:
        return _check(problem, solution)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        # A plan too malformed to replay (wrong types deep inside) is invalid, not a crash.
        return [f"malformed plan: {type(exc).__name__}: {exc}"]


def _check(problem: Problem, solution: Solution | dict) -> list[str]:
    routes, unassigned, out, summary = _normalise(solution)
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
        _RouteCheck(problem, vehicle, route, label, out).run()
    for uid, reason in unassigned:
        if uid not in where_job:
            out.append(f"unassigned job {uid!r} is not in the problem")
            continue
        where_job[uid].append("unassigned")
        if not isinstance(reason, str) or not reason.strip():
            out.append(f"unassigned job {uid} has no reason")
    for jid, places in where_job.items():
        if len(places) != 1:
            out.append(f"job {jid} is {'nowhere' if not places else ' and '.join(places)}: "
                       "expected routed once or listed unassigned")
    for v in problem.vehicles:
        for p in v.steps:
            if p.type == "job" and where_job.get(p.id) not in ([f"vehicle {v.id}"], ["unassigned"]):
                out.append(f"job {p.id} is pinned on vehicle {v.id} but found on "
                           f"{' and '.join(where_job.get(p.id) or ['nothing'])}")
    if summary is not None:
        expected = {name: sum(_int_or_none(r.figures.get(name)) or 0 for r in routes)
                    for name in FIGURES}
        expected.update(routes=len(routes), unassigned=len(unassigned))
        for name, value in expected.items():
            if summary.get(name) != value:
                out.append(f"summary {name} is {summary.get(name)!r}, the routes add up to "
                           f"{value}")
    return out
