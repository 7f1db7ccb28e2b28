"""Turn an ordered list of jobs and breaks into a timed :class:`~dispatch.routing.model.Route`.

The solver decides *what* each technician does and in which order; this module decides *when*,
with the time semantics of the JSON contract (VROOM's):

* the route leaves its start when the shift opens and every task is done as early as possible;
* a job's task (setup, then service) must start inside one of its windows; setup is skipped
  when the previous task was at the same place;
* a break is taken between two tasks; waiting for a break window to open may be spent driving
  towards the next task;
* the shift closes with the arrival at the end place (or with the last task, on an open route),
  by the shift's end, or as late as its overtime allows (``Vehicle.latest_end``); the seconds
  past the shift's end are the route's ``overtime``.

Being early never hurts (one may always wait), so the earliest replay of an order is feasible
whenever any timing of that order is. :func:`build_route` raises :class:`Infeasible` when it is
not, which lets the solver repair a route instead of publishing a wrong plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import HORIZON, Break, Job, Problem, Route, RouteStep, Vehicle, Window

__all__ = ["Infeasible", "build_route", "pin_bounds", "start_in"]


class Infeasible(ValueError):
    """The order cannot be timed within the windows, breaks and shift."""


def start_in(
    windows: Iterable[Window], ready: int, low: int = 0, high: int = HORIZON
) -> int | None:
    """Earliest start ≥ ``ready`` inside one of ``windows`` and within ``[low, high]``."""
    for ws, we in sorted(windows):
        start = max(ready, ws, low)
        if start <= min(we, high):
            return start
    return None


def pin_bounds(vehicle: Vehicle) -> dict[tuple[str, int | None], tuple[int, int]]:
    """``(type, id) -> (low, high)``: hard bounds on the start of the pinned steps."""
    bounds = {}
    for p in vehicle.steps:
        low = max(x for x in (p.service_at, p.service_after, 0) if x is not None)
        high = min(x for x in (p.service_at, p.service_before, HORIZON) if x is not None)
        bounds[(p.type, p.id)] = (low, high)
    return bounds


def build_route(problem: Problem, vehicle: Vehicle, items: Sequence[Job | Break]) -> Route:
    """Time the ``items`` (jobs and breaks, in order) of ``vehicle`` as early as possible."""
    m = problem.durations
    bounds = pin_bounds(vehicle)
    shift_start, shift_end = vehicle.time_window
    start_low, start_high = bounds.get(("start", None), (0, HORIZON))
    end_low, end_high = bounds.get(("end", None), (0, HORIZON))
    leave = max(shift_start, start_low)  # a pinned start time delays the departure
    if leave > start_high:
        raise Infeasible(f"vehicle {vehicle.id} cannot leave by its pinned start {start_high}")
    steps: list[RouteStep] = []
    if vehicle.start_index is not None:
        steps.append(
            RouteStep(
                "start",
                arrival=leave,
                duration=0,
                location_index=vehicle.start_index,
                location=vehicle.start,
            )
        )
    t, prev, travel = leave, vehicle.start_index, 0
    pending: list[Break] = []
    route = Route(vehicle=vehicle.id, steps=steps, description=vehicle.description)
    delivery = [0] * len(vehicle.capacity)

    def take_breaks(rest: int) -> int:
        """Take the pending breaks from ``t``; return the drive still left afterwards."""
        nonlocal t
        cum_before = travel
        for brk in pending:
            low, high = bounds.get(("break", brk.id), (0, HORIZON))
            begin = start_in(brk.time_windows, t, low, high)
            if begin is None:
                raise Infeasible(f"break {brk.id} cannot start after {t}")
            driven = min(rest, begin - t)
            rest -= driven
            arrival = t + driven
            cum_before += driven
            steps.append(
                RouteStep(
                    "break",
                    arrival=arrival,
                    duration=cum_before,
                    id=brk.id,
                    service=brk.service,
                    waiting_time=begin - arrival,
                    description=brk.description,
                )
            )
            route.service += brk.service
            route.waiting_time += begin - arrival
            t = begin + brk.service
        pending.clear()
        return rest

    for item in items:
        if isinstance(item, Break):
            pending.append(item)
            continue
        job = item
        loc = job.location_index
        d = m[prev][loc] if prev is not None else 0
        rest = take_breaks(d)
        arrival = t + rest
        travel += d
        low, high = bounds.get(("job", job.id), (0, HORIZON))
        begin = start_in(job.time_windows, arrival, low, high)
        if begin is None:
            raise Infeasible(f"job {job.id} reached at {arrival}, after its windows")
        setup = 0 if prev is not None and prev == loc else job.setup
        steps.append(
            RouteStep(
                "job",
                arrival=arrival,
                duration=travel,
                id=job.id,
                location_index=loc,
                setup=setup,
                service=job.service,
                waiting_time=begin - arrival,
                location=job.location,
                description=job.description,
            )
        )
        route.setup += setup
        route.service += job.service
        route.waiting_time += begin - arrival
        route.priority += job.priority
        for k, amount in enumerate(job.delivery[: len(delivery)]):
            delivery[k] += amount
        t = begin + setup + job.service
        prev = loc
    if vehicle.end_index is not None:
        d = m[prev][vehicle.end_index] if prev is not None else 0
        rest = take_breaks(d)
        travel += d
        t += rest
        if t > end_high:
            raise Infeasible(f"vehicle {vehicle.id} ends after its pinned end {end_high}")
        wait = max(0, end_low - t)  # early for a pinned end time: wait there
        steps.append(
            RouteStep(
                "end",
                arrival=t,
                duration=travel,
                waiting_time=wait,
                location_index=vehicle.end_index,
                location=vehicle.end,
            )
        )
        route.waiting_time += wait
    else:
        take_breaks(0)
    if t > vehicle.latest_end:
        raise Infeasible(f"shift of vehicle {vehicle.id} ends at {shift_end}, route at {t}")
    if vehicle.overtime is not None:
        route.overtime = max(0, t - shift_end)
    if vehicle.max_travel_time is not None and travel > vehicle.max_travel_time:
        raise Infeasible(f"vehicle {vehicle.id} travels {travel} s")
    if vehicle.max_tasks is not None and sum(s.type == "job" for s in steps) > vehicle.max_tasks:
        raise Infeasible(f"vehicle {vehicle.id} over max_tasks")
    if vehicle.capacity and any(x > c for x, c in zip(delivery, vehicle.capacity, strict=False)):
        raise Infeasible(f"vehicle {vehicle.id} over capacity")
    route.duration = route.cost = travel
    route.delivery = tuple(delivery)
    return route
