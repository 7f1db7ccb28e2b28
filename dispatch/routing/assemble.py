"""What the solver does before and after the search, without OR-Tools.

* :func:`compatible`: which vehicles could take each job at all (skills, pinning, capacity,
  reachability of a window within the shift and the travel limit). A job no vehicle can take is
  left out of the model and reported with its reason.
* :func:`assemble`: turn a plan (ordered jobs and breaks per vehicle) into a timed
  :class:`~dispatch.routing.model.Solution`, repairing any route the timeline finds infeasible
  by dropping its cheapest jobs, so that the answer is always valid. A job that depends on
  another waits for it (:func:`_dependencies`), and is dropped when it cannot.
"""

from __future__ import annotations

from dataclasses import replace

from .fieldrules import Rules, cut_windows, rules_of, soft_cost, task_times
from .model import Break, Job, Problem, Route, Solution, Unassigned, Vehicle
from .reasons import explain_unassigned
from .timeline import Infeasible, build_route, pin_bounds, start_in

__all__ = [
    "compatible",
    "usable_vehicles",
    "assemble",
    "add_reasons",
    "released",
    "score",
    "unserved",
    "Plan",
]

#: For each vehicle (position in problem.vehicles) its ordered items: ("job", job position) or
#: ("break", position in the vehicle's breaks). Cheap to pickle between processes.
Plan = list[list[tuple[str, int]]]


def _vehicle_usable(problem: Problem, vehicle: Vehicle) -> bool:
    """Can the vehicle take all its breaks within its shift? If not it must stay home."""
    if not vehicle.breaks:
        return True
    try:
        build_route(problem, vehicle, list(vehicle.breaks))
    except Infeasible:
        return False
    return True


def _reachable(problem: Problem, vehicle: Vehicle, job: Job, bounds: dict, shared: bool) -> bool:
    """The job alone fits in the shift (breaks aside, which the model handles); ``shared``:
    another job is at its place, and may save it the setup by coming just before it."""
    m = problem.durations
    loc = job.location_index
    there = m[vehicle.start_index][loc] if vehicle.start_index is not None else 0
    back = m[loc][vehicle.end_index] if vehicle.end_index is not None else 0
    if vehicle.max_travel_time is not None and there + back > vehicle.max_travel_time:
        return False
    low, high = bounds.get(("job", job.id), (0, 2**62))
    begin = start_in(job.time_windows, vehicle.time_window[0] + there, low, high)
    if begin is None:
        return False
    # No setup where the route starts at the job's place (as the timeline times it).
    setup = 0 if shared or vehicle.start_index == loc else job.setup
    return begin + setup + job.service + back <= vehicle.latest_end


def usable_vehicles(problem: Problem) -> set[int]:
    """Positions of the vehicles that may be used at all (breaks fit, max_tasks > 0)."""
    return {
        k
        for k, v in enumerate(problem.vehicles)
        if _vehicle_usable(problem, v) and (v.max_tasks is None or v.max_tasks > 0)
    }


def compatible(problem: Problem) -> list[list[int]]:
    """For each job (by position), the positions of the vehicles that could serve it."""
    usable = usable_vehicles(problem)
    pinned = {p.id: k for k, v in enumerate(problem.vehicles) for p in v.steps if p.type == "job"}
    bounds = [pin_bounds(v) for v in problem.vehicles]
    ids = {j.id for j in problem.jobs}
    places: dict[int, int] = {}
    for j in problem.jobs:
        places[j.location_index] = places.get(j.location_index, 0) + 1
    out = []
    for job in problem.jobs:
        if any(d.id not in ids for d in job.depends_on):
            out.append([])  # waits for a job this problem does not have
            continue
        candidates = [pinned[job.id]] if job.id in pinned else sorted(usable)
        ok = []
        for k in candidates:
            v = problem.vehicles[k]
            if job.required_vehicles and v.id not in job.required_vehicles:
                continue
            if v.id in job.prohibited_vehicles:
                continue
            if not job.skills <= v.skills:
                continue
            if v.capacity and any(
                a > (v.capacity[d] if d < len(v.capacity) else 0)
                for d, a in enumerate(job.delivery)
            ):
                continue
            shared = places[job.location_index] > 1
            if k in usable and _reachable(problem, v, job, bounds[k], shared):
                ok.append(k)
        out.append(ok)
    return out


def _timed(problem: Problem, vehicle: Vehicle, items: list[Job | Break]) -> Route | None:
    """Time the items; when infeasible, drop the jobs that cost least until it is not
    (None: not even the breaks fit, the vehicle stays home)."""
    try:
        return build_route(problem, vehicle, items)
    except Infeasible:
        pass
    while True:
        jobs = [i for i, x in enumerate(items) if isinstance(x, Job)]
        if not jobs:
            return None
        order = sorted(jobs, key=lambda i: items[i].priority)
        for i in order:
            trial = items[:i] + items[i + 1 :]
            try:
                return build_route(problem, vehicle, trial)
            except Infeasible:
                continue
        del items[order[0]]


def assemble(problem: Problem, plan: Plan | None, explain: bool = True) -> Solution:
    """The timed solution of ``plan`` (None: nothing planned), every other job unassigned;
    ``explain``: give each unassigned job its reason (else see :func:`explain`)."""
    rules = rules_of(problem)
    if rules is not None and rules.deps and plan:
        routes = _dependencies(problem, rules, plan)
    else:
        routes = _time_all(problem, plan or [], {})
    solution = Solution(routes=routes)
    if rules is not None and rules.late:
        _lateness(problem, rules, solution)
    solution.unassigned = unserved(problem, solution)
    if explain:
        add_reasons(problem, solution)
    return solution


def unserved(problem: Problem, solution: Solution) -> list[Unassigned]:
    """Every job of ``problem`` on no route of ``solution``, unassigned (reason to come)."""
    served = {s.id for r in solution.routes for s in r.steps if s.type == "job"}
    return [
        Unassigned(
            id=job.id,
            reason="",
            location_index=job.location_index,
            location=job.location,
            description=job.description,
        )
        for job in problem.jobs
        if job.id not in served
    ]


def released(
    vehicle: Vehicle, items: list[Job | Break], release: dict[int, int]
) -> list[Job | Break]:
    """``items`` (one vehicle's jobs and breaks, in order) with each job of ``release`` (job
    id: time) starting no earlier than its time there, and the vehicle's breaks they leave out
    added at the end (a route takes every break)."""
    out: list[Job | Break] = [
        replace(x, time_windows=cut_windows(x.time_windows, release[x.id]))
        if isinstance(x, Job) and x.id in release
        else x
        for x in items
    ]
    taken = {x.id for x in items if isinstance(x, Break)}
    return out + [b for b in vehicle.breaks if b.id not in taken]


def _time_all(problem: Problem, plan: Plan, release: dict[int, int]) -> list[Route]:
    """The timed routes of ``plan``; a job of ``release`` (job position: time) starts no
    earlier than its time there."""
    routes = []
    by_id = {problem.jobs[i].id: t for i, t in release.items()}
    for k, items in enumerate(plan):
        if not any(kind == "job" for kind, _ in items):
            continue
        vehicle = problem.vehicles[k]
        objects = [vehicle.breaks[i] if kind == "break" else problem.jobs[i] for kind, i in items]
        route = _timed(problem, vehicle, released(vehicle, objects, by_id))
        if route is not None and any(s.type == "job" for s in route.steps):
            routes.append(route)
    return routes


#: Rounds of waiting (each moves some job later) before the jobs still too early are dropped.
_ROUNDS = 50


def _dependencies(problem: Problem, rules: Rules, plan: Plan) -> list[Route]:
    """Time ``plan`` so that every job starts after the jobs it depends on: each round times
    the routes, then makes each job that starts too early wait (its windows cut from the time
    it may start), and drops a job whose predecessor is not served (or not on its vehicle, when
    it must be). Times only grow from round to round, so the first timing that keeps every
    dependency is the earliest. After :data:`_ROUNDS` rounds a job still too early is dropped."""
    jpos = {j.id: i for i, j in enumerate(problem.jobs)}
    plan = [list(items) for items in plan]
    release: dict[int, int] = {}
    rounds = 0
    while True:
        routes = _time_all(problem, plan, release)
        times = {jpos[jid]: t for jid, t in task_times(Solution(routes=routes)).items()}
        drop, wait = set(), {}
        for b, (vb, start, _) in times.items():
            for a, delay, same in rules.preds[b]:
                if a not in times or same and times[a][0] != vb:
                    drop.add(b)
                elif start < times[a][2] + delay:
                    wait[b] = max(wait.get(b, 0), times[a][2] + delay)
        rounds += 1
        if rounds > _ROUNDS:
            drop |= set(wait)
            wait = {}
        if not drop and not wait:
            return routes
        release.update(wait)
        if drop:
            plan = [
                [(kind, i) for kind, i in items if kind != "job" or i not in drop] for items in plan
            ]


def _lateness(problem: Problem, rules: Rules, solution: Solution) -> None:
    """Each served job's seconds past its deadline, on its step."""
    jpos = {j.id: i for i, j in enumerate(problem.jobs)}
    for r in solution.routes:
        for s in r.steps:
            if s.type == "job":
                end = s.arrival + s.waiting_time + s.setup + s.service
                s.lateness = rules.lateness(jpos[s.id], end)


def add_reasons(problem: Problem, solution: Solution) -> None:
    """Give every unassigned job of ``solution`` its reason."""
    jobs = {j.id: j for j in problem.jobs}
    for u in solution.unassigned:
        u.reason = explain_unassigned(problem, jobs[u.id], solution)


def score(solution: Solution, problem: Problem | None = None) -> tuple[int, int, int]:
    """Lexicographic quality, larger is better: priority served, jobs served, minus travel
    and the soft costs of ``problem``'s rules (:mod:`fieldrules`)."""
    soft = soft_cost(problem, solution) if problem is not None else 0
    return solution.priority, solution.served, -solution.travel - soft
