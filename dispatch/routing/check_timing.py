"""The checker's timing of a route: does it work, and are the times it reports true?

Time semantics (VROOM's, as docs/solver-json.md describes them):

* a route leaves its start no earlier than the shift opens;
* a job's *task start* (setup, then service) must fall in one of its windows; arriving early
  means waiting; setup is skipped when the previous task was at the same place;
* a break has no place: it is taken between two tasks, and the time spent waiting for a break
  window to open may be used to drive towards the next task (VROOM's travel margin);
* the shift closes with the arrival at the end place (or with the last task, on an open route),
  by the shift's end, or by its end plus ``overtime.max`` when the vehicle has an overtime
  allowance;
* ``max_travel_time`` bounds the route's total travel.

*Feasibility*: the order of steps is replayed from the shift start as early as possible (being
early never hurts, since one may always wait), which is the plan's best case; any window, break
or shift it misses is a violation. *Honesty of the figures*: the arrivals, waits, travel and
totals the plan reports must follow from its own start time and the matrix.

Written from the JSON interface, not from the solver's :mod:`timeline`, so that the two can
disagree: the window search and the pinned bounds below are the checker's own on purpose.
"""

from __future__ import annotations

from typing import Any

from .check_shape import PlanRoute, PlanStep
from .model import HORIZON, Problem, Vehicle

__all__ = ["RouteTiming"]


def _pin_bounds(vehicle: Vehicle) -> dict[tuple[str, Any], tuple[int, int]]:
    """``(type, id) -> (low, high)``: the bounds on the start of each pinned step."""
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


def _closes(vehicle: Vehicle) -> int:
    """The latest the route may be over: the shift's end, plus the overtime allowed."""
    extra = vehicle.overtime.max if vehicle.overtime is not None else 0
    return vehicle.time_window[1] + extra


class RouteTiming:
    """The timing checks of one route (:meth:`replay_earliest`, :meth:`replay_reported`);
    ``out`` collects the violations."""

    def __init__(
        self, problem: Problem, vehicle: Vehicle, route: PlanRoute, label: str, out: list[str]
    ) -> None:
        self.p, self.v, self.route, self.label, self.out = problem, vehicle, route, label, out
        self.jobs = {j.id: j for j in problem.jobs}
        self.breaks = {b.id: b for b in vehicle.breaks}
        self.bounds = _pin_bounds(vehicle)

    def bad(self, k: int | None, message: str) -> None:
        """Record a violation of step ``k`` (of the whole route when None)."""
        where = self.label if k is None else f"{self.label} step {k}"
        self.out.append(f"{where}: {message}")

    def location(self, s: PlanStep) -> int | None:
        """The matrix index of a job, start or end step."""
        if s.type == "job":
            return self.jobs[s.id].location_index
        return self.v.start_index if s.type == "start" else self.v.end_index

    # -- feasibility: replay as early as possible from the shift start ------------------------
    def replay_earliest(self, steps: list[PlanStep]) -> None:
        """Feasibility: every window, break, pinned bound, the shift and the travel limit can
        be met by the order of ``steps`` timed as early as possible."""
        v, m = self.v, self.p.durations
        shift_start, shift_end = v.time_window[0], _closes(v)
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
                    self.bad(
                        k,
                        f"reaches the end at {arrival} at best, after the shift "
                        f"closes at {shift_end} (or its pinned bound {end_high})",
                    )
                t = max(arrival, end_low)  # arriving before a pinned end time means waiting
                continue
            job = self.jobs[s.id]
            start = _start_in(
                job.time_windows, arrival, *self.bounds.get(("job", job.id), (0, HORIZON))
            )
            if start is None:
                self.bad(
                    k,
                    f"job {job.id}: arrives at {arrival} at best, no window "
                    f"{list(job.time_windows)} (or pinned bound) can still be met",
                )
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
            start = _start_in(
                brk.time_windows, t, *self.bounds.get(("break", brk.id), (0, HORIZON))
            )
            if start is None:
                self.bad(
                    k,
                    f"break {brk.id}: free at {t} at best, after its windows "
                    f"{list(brk.time_windows)}",
                )
                return t, rest
            rest -= min(rest, start - t)  # drive while waiting for the break window
            t = start + brk.service
        return t, rest

    # -- honesty: the figures the plan reports -------------------------------------------------
    def replay_reported(self, steps: list[PlanStep]) -> None:
        """Honesty: the times and figures the plan reports follow from the matrix, the
        windows and bounds, and the plan's own start time."""
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
                    self.bad(
                        k,
                        f"arrival {s.arrival}, but the previous step and {d} s of "
                        f"travel give {earliest}",
                    )
                pending = []
                if s.type == "end":
                    if s.arrival > _closes(v):
                        self.bad(
                            k,
                            f"arrives at the end at {s.arrival}, after the shift "
                            f"closes at {_closes(v)}",
                        )
                    low, high = self.bounds.get(("end", None), (0, HORIZON))
                    if not low <= begin <= high:
                        self.bad(k, f"ends at {begin}, outside its pinned bounds [{low}, {high}]")
                    continue
                job = self.jobs[s.id]
                low, high = self.bounds.get(("job", job.id), (0, HORIZON))
                if _start_in(job.time_windows, begin, low, high) != begin:
                    self.bad(
                        k,
                        f"job {job.id} starts at {begin}, outside its windows "
                        f"{list(job.time_windows)} or pinned bounds",
                    )
                setup = 0 if prev is not None and prev == loc else job.setup
                if s.setup != setup or s.service != job.service:
                    self.bad(
                        k,
                        f"job {job.id} reported with setup {s.setup}, service "
                        f"{s.service}; expected {setup}, {job.service}",
                    )
                totals["priority"] += job.priority
                free, prev = begin + s.setup + s.service, loc
        last = self.reported_breaks(pending, free, 0, cum, cum)
        if steps and steps[-1].type != "end" and last > _closes(v):
            self.bad(None, f"last task ends at {last}, after the shift closes")
        self.figures({**totals, "duration": cum, "cost": cum})

    def reported_breaks(
        self, pending, free: int | None, rest: int, cum_before: int, cum_after: int
    ) -> int:
        """Check the breaks taken between two places; return the earliest next arrival.

        The drive of ``rest`` seconds is done as much as possible while waiting for each
        break, which gives the earliest arrival the reported break times allow.
        """
        t = self.v.time_window[0] if free is None else free
        for k, s in pending:
            brk = self.breaks[s.id]
            begin = s.arrival + s.waiting_time
            if s.service != brk.service or s.setup != 0:
                self.bad(
                    k,
                    f"break {brk.id} reported with service {s.service}, setup "
                    f"{s.setup}; expected {brk.service}, 0",
                )
            low, high = self.bounds.get(("break", brk.id), (0, HORIZON))
            if _start_in(brk.time_windows, begin, low, high) != begin:
                self.bad(
                    k,
                    f"break {brk.id} starts at {begin}, outside its windows "
                    f"{list(brk.time_windows)}",
                )
            if begin < t:
                self.bad(
                    k, f"break {brk.id} starts at {begin}, before the previous step ends at {t}"
                )
            if not cum_before <= s.duration <= cum_after:
                self.bad(
                    k, f"cumulated travel {s.duration} not between {cum_before} and {cum_after}"
                )
            rest -= min(rest, max(0, begin - t))
            t = max(t, begin) + s.service
        return t + rest

    def figures(self, expected: dict[str, int]) -> None:
        """The route's reported totals are the ``expected`` sums of its steps."""
        for name, value in expected.items():
            reported = self.route.figures.get(name)
            if reported != value:
                self.bad(None, f"route {name} is {reported!r}, the steps add up to {value}")
