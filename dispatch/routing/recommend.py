"""Slots to book: where one more job fits in an existing plan, and what each place costs.

:func:`recommend` tries the new job at every position of every technician's day (between any
two of its jobs and breaks, and on the days of technicians with nothing planned yet), times
each trial with the engine's own timeline (:func:`timeline.build_route`: earliest times,
windows, breaks, shift, pinned bounds, capacity, ``max_tasks``, ``max_travel_time``), keeps
the trials that stay feasible, and ranks them by the engine's objective: the priority and the
number of jobs served are the same for every trial (the plan's, plus this job), so the third
term decides, travel plus the soft costs (preference and lateness, in the same unit). Ties go
to the trial that moves fewer of the other visits, then by fewer seconds, then the earlier.

Inserting a job may push the later visits of the day: each is retimed as early as it can be,
inside its own windows (the "small repair"), and a trial that would push one out of its window,
past the shift or a pinned bound is not feasible. ``moved`` counts the other visits whose start
changes and ``moved_seconds`` adds up by how much. Where jobs depend on others, a visit pushed
later also pushes the visits that wait for it, on any technician's day, until every dependency
holds again (as :func:`assemble.assemble` times a plan); a trial that cannot is dropped. Times
only move later from the plan's: a dependency the plan needed is kept, never relaxed.

A team visit of the plan (a job served by several technicians at once) is held at its start:
moving one technician's would part the team, so a trial that would push it is not feasible. A
new job that needs a team is not tried (one technician's day at a time).

Each slot carries the hour (``slot`` seconds, aligned on ``align``) in which the task starts:
what a person is told ("between 10:00 and 11:00"). Slots are distinct by technician and window;
the best trial of each is kept. :func:`book` returns the problem with the job pinned in a slot
(its start bounded by the slot's window) and the plan with it inserted, for the caller to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .assemble import released
from .check_shape import normalise_plan
from .fieldrules import Rules
from .model import Break, Job, PinnedStep, Problem, Route, Solution, Unassigned, Vehicle
from .timeline import Infeasible, build_route

__all__ = ["PlanError", "Slot", "book", "held_plan", "recommend", "unfit"]

#: Rounds of pushing dependent visits later before a trial is given up (as in assemble).
_ROUNDS = 50

#: An item of a technician's day: ("job", job id) or ("break", break id).
Item = tuple[str, int]


class PlanError(ValueError):
    """The plan or the new job cannot be used: the message says what is wrong."""


@dataclass(frozen=True)
class Slot:
    """One feasible place for the new job, and what it costs."""

    vehicle: int
    #: When the task (setup, then service) starts, and when the technician arrives.
    start: int
    arrival: int
    #: The window a person is told: the ``slot``-long interval holding ``start``.
    window: tuple[int, int]
    #: The jobs just before and after it on the technician's day (None: none).
    after: int | None
    before: int | None
    #: Added to the objective's third term: travel plus soft costs.
    cost: int
    travel: int
    soft_cost: int
    #: Seconds the new job's task ends past its deadline (0: on time or none).
    lateness: int
    #: Other visits whose start changes, and the sum of the changes in seconds.
    moved: int
    moved_seconds: int
    #: The technician's day with the job: its order of jobs and breaks.
    order: tuple[Item, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "vehicle": self.vehicle,
            "start": self.start,
            "arrival": self.arrival,
            "slot": list(self.window),
            "after": self.after,
            "before": self.before,
            "cost": self.cost,
            "travel": self.travel,
            "soft_cost": self.soft_cost,
            "lateness": self.lateness,
            "moved": self.moved,
            "moved_seconds": self.moved_seconds,
        }


def _starts(route: Route | None) -> dict[int, int]:
    if route is None:
        return {}
    return {s.id: s.arrival + s.waiting_time for s in route.steps if s.type == "job"}


class _Day:
    """The plan as orders per vehicle, timed; trials of the new job against it."""

    def __init__(self, problem: Problem, plan: Solution | dict, job: Job) -> None:
        if any(j.id == job.id for j in problem.jobs):
            raise PlanError(f"job {job.id} is already in the problem")
        if job.team > 1:
            # One technician's day at a time: a visit of several at once is not tried here.
            raise PlanError("slots are not offered for a job that needs a team (team)")
        self.job = job
        self.problem = Problem(
            jobs=[*problem.jobs, job], vehicles=problem.vehicles, durations=problem.durations
        )
        self.vehicles = {v.id: v for v in problem.vehicles}
        self.jobs = {j.id: j for j in self.problem.jobs}
        self.jpos = {j.id: i for i, j in enumerate(self.problem.jobs)}
        self.vpos = {v.id: k for k, v in enumerate(problem.vehicles)}
        self.rules = Rules(self.problem)
        self.preds = {
            j.id: [(d.id, d.delay, d.same_vehicle) for d in j.depends_on]
            for j in self.problem.jobs
            if j.depends_on
        }
        #: The team visits of the plan (job id: start), held at their start: moving one
        #: technician's would part the team.
        self.held: dict[int, int] = {}
        self.orders, self.unassigned = self._read(plan)
        try:
            self.routes, self.release, _ = self.settle(self.orders, {}, {}, set(self.orders))
        except Infeasible as exc:
            raise PlanError(f"the plan does not replay on the problem: {exc}") from None

    def _read(self, plan: Solution | dict) -> tuple[dict[int, list[Item]], list[tuple]]:
        routes, unassigned, problems, _ = normalise_plan(plan)
        if problems:
            raise PlanError(problems[0])
        orders: dict[int, list[Item]] = {}
        seen: set[int] = set()
        for r in routes:
            vehicle = self.vehicles.get(r.vehicle)
            if vehicle is None:
                raise PlanError(f"route of unknown vehicle {r.vehicle!r}")
            if r.vehicle in orders:
                raise PlanError(f"vehicle {r.vehicle} has several routes")
            breaks = {b.id for b in vehicle.breaks}
            order: list[Item] = []
            for s in r.steps:
                if s.type == "job":
                    if s.id not in self.jobs or s.id == self.job.id:
                        raise PlanError(f"vehicle {r.vehicle}: unknown job {s.id!r}")
                    team = self.jobs[s.id].team
                    if team > 1:
                        if not isinstance(s.arrival, int) or not isinstance(s.waiting_time, int):
                            raise PlanError(f"team job {s.id}: arrival and waiting_time needed")
                        self._hold(s.id, s.arrival + s.waiting_time)
                        if ("job", s.id) in order:
                            raise PlanError(f"job {s.id} is routed twice on vehicle {r.vehicle}")
                    elif s.id in seen:
                        raise PlanError(f"job {s.id} is routed twice")
                    seen.add(s.id)
                    order.append(("job", s.id))
                elif s.type == "break":
                    if s.id not in breaks:
                        raise PlanError(f"vehicle {r.vehicle}: unknown break {s.id!r}")
                    order.append(("break", s.id))
            orders[r.vehicle] = order
        return orders, unassigned

    def _hold(self, jid: int, start: int) -> None:
        if self.held.setdefault(jid, start) != start:
            raise PlanError(f"team job {jid} has two starts in the plan")

    # -- timing ------------------------------------------------------------------------------
    def time(self, vid: int, order: list[Item], release: dict[int, int]) -> Route | None:
        """The vehicle's day timed as early as possible (None: no job in it)."""
        if not any(kind == "job" for kind, _ in order):
            return None
        vehicle = self.vehicles[vid]
        breaks = {b.id: b for b in vehicle.breaks}
        items = [
            breaks[x]
            if kind == "break"
            else replace(self.jobs[x], time_windows=((self.held[x], self.held[x]),))
            if x in self.held
            else self.jobs[x]
            for kind, x in order
        ]
        return build_route(self.problem, vehicle, released(vehicle, items, release))

    def settle(
        self,
        orders: dict[int, list[Item]],
        routes: dict[int, Route | None],
        release: dict[int, int],
        todo: set[int],
    ) -> tuple[dict[int, Route | None], dict[int, int], set[int]]:
        """Time the ``todo`` vehicles, then push the jobs that start before a job they depend
        on has ended (retiming their vehicles) until none does. Returns the routes, the
        releases and every vehicle retimed; raises :class:`Infeasible`."""
        routes, release, touched = dict(routes), dict(release), set()
        for _ in range(_ROUNDS):
            for vid in todo:
                routes[vid] = self.time(vid, orders[vid], release)
            touched |= todo
            if not self.preds:
                return routes, release, touched
            times = {}
            for vid, route in routes.items():
                if route is not None:
                    for s in route.steps:
                        if s.type == "job":
                            begin = s.arrival + s.waiting_time
                            times[s.id] = (vid, begin, begin + s.setup + s.service)
            todo = set()
            for b, preds in self.preds.items():
                if b not in times:
                    continue
                for a, delay, same in preds:
                    if a not in times:
                        raise Infeasible(f"job {b} depends on job {a}, which is not served")
                    if same and times[a][0] != times[b][0]:
                        raise Infeasible(f"job {b} is not on the vehicle of job {a}")
                    need = times[a][2] + delay
                    if times[b][1] < need:
                        release[b] = max(release.get(b, 0), need)
                        todo.add(times[b][0])
            if not todo:
                return routes, release, touched
        raise Infeasible("dependencies keep pushing visits later")

    def soft(self, vid: int, route: Route | None) -> int:
        """The soft cost (preference and lateness) of a timed day."""
        if route is None:
            return 0
        k, cost = self.vpos[vid], 0
        for s in route.steps:
            if s.type == "job":
                j = self.jpos[s.id]
                end = s.arrival + s.waiting_time + s.setup + s.service
                cost += self.rules.pref_cost(j, k) + self.rules.late_cost(j, end)
        return cost

    def mark_lateness(self, route: Route) -> None:
        """Each job step's seconds past its deadline, as the plan reports them."""
        for s in route.steps:
            if s.type == "job":
                end = s.arrival + s.waiting_time + s.setup + s.service
                s.lateness = self.rules.lateness(self.jpos[s.id], end)

    # -- trials ------------------------------------------------------------------------------
    def may_serve(self, vehicle: Vehicle) -> bool:
        """The rules about who may serve the job that need no timing."""
        job = self.job
        if job.required_vehicles and vehicle.id not in job.required_vehicles:
            return False
        if vehicle.id in job.prohibited_vehicles or not job.skills <= vehicle.skills:
            return False
        return not any(
            dep.same_vehicle
            and not any(x == ("job", dep.id) for x in self.orders.get(vehicle.id, ()))
            for dep in job.depends_on
        )

    def trials(self) -> list[tuple[int, list[Item]]]:
        """Every (vehicle, order with the job) to try."""
        out = []
        new = ("job", self.job.id)
        for vehicle in self.problem.vehicles:
            if not self.may_serve(vehicle):
                continue
            base = self.orders.get(vehicle.id)
            if base is None:  # nothing planned: the job among the breaks
                base = [("break", b.id) for b in vehicle.breaks]
            for p in range(len(base) + 1):
                out.append((vehicle.id, [*base[:p], new, *base[p:]]))
        return out

    def evaluate(self, vid: int, order: list[Item], slot: int, align: int) -> Slot | None:
        orders = dict(self.orders)
        orders[vid] = order
        try:
            routes, _, touched = self.settle(orders, self.routes, self.release, {vid})
        except Infeasible:
            return None
        travel = soft = moved = moved_seconds = 0
        for v in touched:
            old, new = self.routes.get(v), routes[v]
            travel += (new.duration if new else 0) - (old.duration if old else 0)
            soft += self.soft(v, new) - self.soft(v, old)
            before = _starts(old)
            for jid, begin in _starts(new).items():
                if jid in before and before[jid] != begin:
                    moved += 1
                    moved_seconds += abs(begin - before[jid])
        route = routes[vid]
        assert route is not None  # it has the new job
        step = next(s for s in route.steps if s.type == "job" and s.id == self.job.id)
        start = step.arrival + step.waiting_time
        end = start + step.setup + step.service
        low = align + (start - align) // slot * slot
        jobs = [x for kind, x in order if kind == "job"]
        here = jobs.index(self.job.id)
        return Slot(
            vehicle=vid,
            start=start,
            arrival=step.arrival,
            window=(low, low + slot),
            after=jobs[here - 1] if here > 0 else None,
            before=jobs[here + 1] if here + 1 < len(jobs) else None,
            cost=travel + soft,
            travel=travel,
            soft_cost=soft,
            lateness=self.rules.lateness(self.jpos[self.job.id], end),
            moved=moved,
            moved_seconds=moved_seconds,
            order=tuple(order),
        )


def _rank(s: Slot) -> tuple:
    return (s.cost, s.moved, s.moved_seconds, s.start, s.vehicle, s.order)


def recommend(
    problem: Problem,
    plan: Solution | dict,
    job: Job,
    top: int = 5,
    slot: int = 3600,
    align: int = 0,
    max_moved: int | None = None,
) -> list[Slot]:
    """The ``top`` best slots for ``job`` in ``plan`` (a plan of ``problem``, either the
    engine's :class:`Solution` or the JSON output), best first; distinct by technician and
    ``slot``-long window (aligned on ``align``). ``max_moved``: only slots that move at most
    that many other visits. Raises :class:`PlanError` when the job or the plan cannot be used.
    """
    if slot <= 0:
        raise PlanError("slot must be a positive number of seconds")
    return _Recommender(problem, plan, job).best(top, slot, align, max_moved)


class _Recommender(_Day):
    def all(self, slot: int, align: int) -> list[Slot]:
        """Every feasible trial, ranked."""
        found = [self.evaluate(vid, order, slot, align) for vid, order in self.trials()]
        return sorted((s for s in found if s is not None), key=_rank)

    def best(self, top: int, slot: int, align: int, max_moved: int | None) -> list[Slot]:
        out, seen = [], set()
        for s in self.all(slot, align):
            if max_moved is not None and s.moved > max_moved:
                continue
            if (s.vehicle, s.window) in seen:
                continue
            seen.add((s.vehicle, s.window))
            out.append(s)
            if len(out) == top:
                break
        return out


def book(problem: Problem, plan: Solution | dict, job: Job, slot: Slot) -> tuple[Problem, Solution]:
    """The problem with ``job`` pinned in ``slot`` (on its vehicle, in its place among the
    pinned steps, its start bounded by the slot's window) and the plan with it inserted,
    retimed as :func:`recommend` timed it. Raises :class:`PlanError` when the slot no longer
    fits (the plan changed since)."""
    day = _Day(problem, plan, job)
    vehicle = day.vehicles.get(slot.vehicle)
    if vehicle is None or not day.may_serve(vehicle):
        raise PlanError(f"vehicle {slot.vehicle} cannot serve job {job.id}")
    new = ("job", job.id)
    if [x for x in slot.order if x != new] != day.orders.get(
        slot.vehicle, [("break", b.id) for b in vehicle.breaks]
    ):
        raise PlanError(f"the day of vehicle {slot.vehicle} changed since the slot was found")
    # The pin goes after the pinned steps that come before the job on the day.
    pinned = {(p.type, p.id) for p in vehicle.steps}
    place = sum(1 for x in slot.order[: slot.order.index(new)] if x in pinned)
    place += 1 if vehicle.steps and vehicle.steps[0].type == "start" else 0
    steps = list(vehicle.steps)
    steps.insert(place, PinnedStep("job", job.id, None, slot.window[0], slot.window[1]))
    pinned_vehicle = replace(vehicle, steps=tuple(steps))
    vehicles = [pinned_vehicle if v.id == vehicle.id else v for v in problem.vehicles]
    day.vehicles[vehicle.id] = pinned_vehicle
    orders = dict(day.orders)
    orders[slot.vehicle] = list(slot.order)
    try:
        routes, _, _ = day.settle(orders, day.routes, day.release, {slot.vehicle})
    except Infeasible as exc:
        raise PlanError(f"the slot no longer fits: {exc}") from None
    solution = Solution(
        routes=[r for v in problem.vehicles if (r := routes.get(v.id)) is not None],
        unassigned=[
            Unassigned(id=uid, reason=reason if isinstance(reason, str) else "")
            for uid, reason in day.unassigned
        ],
    )
    for r in solution.routes:
        day.mark_lateness(r)
    booked = Problem(jobs=[*problem.jobs, job], vehicles=vehicles, durations=problem.durations)
    return booked, solution


def _held_route(problem: Problem, vehicle: Vehicle, jobs: dict[int, Job]) -> Route | None:
    """The vehicle's pinned jobs in their order, each break at the first place where
    everything still fits (None: nothing pinned). Raises :class:`Infeasible`."""
    order: list[Job | Break] = [jobs[p.id] for p in vehicle.steps if p.type == "job"]
    if not order:
        return None
    for brk in vehicle.breaks:
        for place in range(len(order) + 1):
            trial = [*order[:place], brk, *order[place:]]
            try:
                build_route(problem, vehicle, released(vehicle, trial, {}))
            except Infeasible:
                continue
            order = trial
            break
    return build_route(problem, vehicle, released(vehicle, order, {}))


def unfit(problem: Problem) -> dict[int, str]:
    """The vehicles whose pinned jobs do not fit their shift as pinned, with why (by id)."""
    jobs = {j.id: j for j in problem.jobs}
    out = {}
    for vehicle in problem.vehicles:
        try:
            _held_route(problem, vehicle, jobs)
        except Infeasible as exc:
            out[vehicle.id] = str(exc)
    return out


def held_plan(problem: Problem) -> Solution:
    """The plan that keeps every vehicle's pinned jobs, in their order, and nothing else: what
    a day of visits already booked looks like to :func:`recommend`. Each break goes at the
    first place in the day where everything still fits. Raises :class:`PlanError` naming a
    vehicle whose pinned jobs do not fit its shift (:func:`unfit` lists them all)."""
    jobs = {j.id: j for j in problem.jobs}
    routes = []
    for vehicle in problem.vehicles:
        try:
            route = _held_route(problem, vehicle, jobs)
        except Infeasible as exc:
            raise PlanError(
                f"the pinned visits of vehicle {vehicle.id} do not fit: {exc}"
            ) from None
        if route is not None:
            routes.append(route)
    served = {s.id for r in routes for s in r.steps if s.type == "job"}
    unassigned = [
        Unassigned(id=j.id, reason="not booked") for j in problem.jobs if j.id not in served
    ]
    return Solution(routes=routes, unassigned=unassigned)
