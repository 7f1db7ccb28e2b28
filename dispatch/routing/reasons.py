"""Why a job is unassigned, in words a dispatcher understands, and computed rather than guessed.

The job is checked *alone* against every shift: could this technician, with nothing else to do,
leave at the start of the shift, do this job in one of its windows, take the breaks and be back
in time, within the travel limit? If no shift passes even that test, the reason is the first
rule that stops every candidate (skills, then capacity, then time). If some shift passes, the
job was feasible on its own and was left out because the other work filled the shifts; given
the plan, we say whether those were higher-priority jobs, or capacity or task limits.

"Alone" is a relaxation of every real route, so a job that fails it cannot be served at all,
provided travel times obey the triangle inequality (a detour through other jobs is never faster
than the direct trip; true of great-circle matrices and, near enough, of road matrices). The one
thing another job can save is the setup, skipped when a job follows another at the same place:
setup is therefore left out of the test when some other job shares the place.

The cost is O(vehicles × windows) per job (times a small constant for breaks), so the solver can
call it for every unassigned job.

Times are printed for people (see :func:`format_time`): values that look like Unix timestamps
(after 2000-01-01) as UTC date and time, values within the first week as a time of day counted
from midnight of day 1 (the app's convention: seconds since midnight of the first planned day),
anything else as raw seconds.
"""

from __future__ import annotations

import itertools
import time as _time

from .model import HORIZON, Job, Problem, Solution, Vehicle
from .timeline import pin_bounds, start_in

__all__ = ["explain_unassigned", "explain_all", "format_time", "format_window", "team_reason"]

DAY = 86_400
EPOCH_2000 = 946_684_800  # 2000-01-01T00:00:00Z: anything later is taken as a Unix timestamp
MAX_BREAK_PERMUTATIONS = 3  # more breaks than this are tried in window order only


def format_time(t: int) -> str:
    """A time as a person reads it: ``08:30``, ``day 2 08:30``, ``2026-11-27 08:30``."""
    if t >= EPOCH_2000:
        return _time.strftime("%Y-%m-%d %H:%M", _time.gmtime(t)) + _seconds(t)
    if t < 7 * DAY:
        day, rest = divmod(t, DAY)
        clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}{_seconds(t)}"
        return clock if day == 0 else f"day {day + 1} {clock}"
    return f"{t}s"


def _seconds(t: int) -> str:
    return f":{t % 60:02d}" if t % 60 else ""


def format_window(window: tuple[int, int]) -> str:
    start, end = window
    if end >= HORIZON:
        return f"from {format_time(start)}"
    first, last = format_time(start), format_time(end)
    # Do not repeat the date when both ends fall on the same day.
    if start >= EPOCH_2000 and first[:10] == last[:10]:
        last = last[11:]
    elif start < 7 * DAY and start // DAY == end // DAY and start // DAY > 0:
        last = last.split(" ", 2)[2]
    return f"{first}–{last}"


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


def _breaks(bounds: dict, breaks, t: int, rest: int) -> tuple[int, int] | None:
    """Take ``breaks`` in order from ``t``, driving while waiting; None if one cannot fit
    (``bounds``: the vehicle's :func:`~timeline.pin_bounds`)."""
    for brk in breaks:
        start = start_in(brk.time_windows, t, *bounds.get(("break", brk.id), (0, HORIZON)))
        if start is None:
            return None
        rest -= min(rest, start - t)
        t = start + brk.service
    return t, rest


def _alone(
    problem: Problem, vehicle: Vehicle, job: Job, shared: bool, with_breaks: bool = True
) -> str | None:
    """None when ``vehicle`` could do ``job`` alone, else what stops it.

    The answer is one of ``"travel"`` (max_travel_time), ``"window"`` (no window can be
    reached in time, or only so late that even the way back ends after the shift), ``"shift"``
    (the job can start in time but its work, with the way back, ends after the shift) or
    ``"break"`` (it only fails because of the breaks).
    """
    m, loc = problem.durations, job.location_index
    to_job = m[vehicle.start_index][loc] if vehicle.start_index is not None else 0
    to_end = m[loc][vehicle.end_index] if vehicle.end_index is not None else 0
    if vehicle.max_travel_time is not None and to_job + to_end > vehicle.max_travel_time:
        return "travel"
    setup = 0 if shared or vehicle.start_index == loc else job.setup
    bounds = pin_bounds(vehicle)
    low, high = bounds.get(("job", job.id), (0, HORIZON))
    shift_start, shift_end = vehicle.time_window[0], vehicle.latest_end
    shift_start = max(shift_start, bounds.get(("start", None), (0, HORIZON))[0])
    shift_end = min(shift_end, bounds.get(("end", None), (0, HORIZON))[1])
    breaks = sorted(vehicle.breaks, key=lambda b: min(b.time_windows)) if with_breaks else []
    orders = (
        itertools.permutations(breaks) if len(breaks) <= MAX_BREAK_PERMUTATIONS else [tuple(breaks)]
    )
    worst = "window"
    for order in orders:
        for k in range(len(order) + 1):
            before = _breaks(bounds, order[:k], shift_start, to_job)
            if before is None:
                continue
            begin = start_in(job.time_windows, before[0] + before[1], low, high)
            if begin is None:
                continue
            if begin + to_end <= shift_end:
                worst = "shift"  # it could start in time, but the work itself is too long
            after = _breaks(bounds, order[k:], begin + setup + job.service, to_end)
            if after is not None and after[0] + after[1] <= shift_end:
                return None
    if with_breaks and breaks and _alone(problem, vehicle, job, shared, False) is None:
        return "break"
    return worst


def _pinned_on(problem: Problem, job: Job) -> Vehicle | None:
    for v in problem.vehicles:
        if any(p.type == "job" and p.id == job.id for p in v.steps):
            return v
    return None


def explain_unassigned(problem: Problem, job: Job, solution: Solution | None = None) -> str:
    """The reason ``job`` cannot be, or was not, served; ``solution`` refines the last case."""
    pinned = _pinned_on(problem, job)
    vehicles = [pinned] if pinned is not None else list(problem.vehicles)
    prefix = f"pinned on technician {pinned.id}: " if pinned is not None else ""
    if not vehicles:
        return "no technician available"
    vehicles = [
        v
        for v in vehicles
        if (not job.required_vehicles or v.id in job.required_vehicles)
        and v.id not in job.prohibited_vehicles
    ]
    if not vehicles:
        return f"{prefix}none of the technicians it may have is working"
    capable = [v for v in vehicles if job.skills <= v.skills]
    if not capable:
        known = set().union(*(v.skills for v in vehicles))
        missing = sorted(job.skills - known)
        if missing:
            return f"{prefix}no technician has skills {missing}"
        return f"{prefix}no technician has all the skills {sorted(job.skills)}"
    roomy = [v for v in capable if _fits(job.delivery, v.capacity)]
    if not roomy:
        return (
            f"{prefix}not enough capacity: delivery {list(job.delivery)} exceeds every "
            "suitable technician's capacity"
        )
    roomy = [v for v in roomy if v.max_tasks is None or v.max_tasks > 0]
    if not roomy:
        return f"{prefix}every suitable technician has max_tasks 0"
    shared = any(o.location_index == job.location_index and o.id != job.id for o in problem.jobs)
    verdicts = {v.id: _alone(problem, v, job, shared) for v in roomy}
    able = [v for v in roomy if verdicts[v.id] is None]
    if able:
        waits = _waits_for(job, solution)
        return prefix + (waits or _crowded_out(problem, job, able, solution))
    kinds = set(verdicts.values())
    if kinds == {"travel"}:
        return f"{prefix}too far: the trip exceeds every suitable technician's max travel time"
    if kinds == {"break"}:
        return f"{prefix}does not fit around the technicians' breaks"
    if kinds == {"shift"}:
        work = job.setup + job.service
        return f"{prefix}cannot be finished within any shift ({_duration(work)} on site + travel)"
    windows = ", ".join(format_window(w) for w in job.time_windows)
    plural = "s" if len(job.time_windows) > 1 else ""
    shifts = "that shift" if pinned is not None else "any shift"
    return f"{prefix}window{plural} {windows} unreachable from {shifts}"


def _waits_for(job: Job, solution: Solution | None) -> str | None:
    """Why a job that depends on others is out, when the plan tells: one of them is not
    served, or there is no room after it."""
    if not job.depends_on or solution is None:
        return None
    served = {s.id for r in solution.routes for s in r.steps if s.type == "job"}
    for dep in job.depends_on:
        if dep.id not in served:
            return f"depends on job {dep.id}, which is not served"
    after = ", ".join(str(dep.id) for dep in job.depends_on)
    return f"no room left after job {after}, which it depends on"


def _fits(delivery: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    # A vehicle without capacity carries anything (see jsonio); extra dimensions are unbounded.
    return all(d <= c for d, c in zip(delivery, capacity, strict=False))


def _crowded_out(problem: Problem, job: Job, able: list[Vehicle], solution: Solution | None) -> str:
    """Feasible alone, so other work took the room: say which kind, when the plan tells."""
    if solution is None:
        return "not enough working time left"
    by_id = {j.id: j for j in problem.jobs}
    served = {
        r.vehicle: [by_id[s.id] for s in r.steps if s.type == "job" and s.id in by_id]
        for r in solution.routes
    }
    full = [v for v in able if v.max_tasks is not None and len(served.get(v.id, [])) >= v.max_tasks]
    if len(full) == len(able):
        return "every suitable technician already has the most tasks allowed"
    if job.delivery:

        def load(v: Vehicle) -> tuple[int, ...]:
            total = list(job.delivery)
            for other in served.get(v.id, []):
                for d, amount in enumerate(other.delivery[: len(total)]):
                    total[d] += amount
            return tuple(total)

        if all(v.capacity and not _fits(load(v), v.capacity) for v in able):
            return "not enough capacity left on the suitable technicians"
    higher = sum(1 for v in able for other in served.get(v.id, []) if other.priority > job.priority)
    note = f" (taken by {higher} higher-priority jobs)" if higher else ""
    return "not enough working time left" + note


def explain_all(problem: Problem, solution: Solution) -> dict[int, str]:
    """Reasons for every job the plan leaves out, by job id."""
    served = {s.id for r in solution.routes for s in r.steps if s.type == "job"}
    return {
        j.id: explain_unassigned(problem, j, solution) for j in problem.jobs if j.id not in served
    }


def team_reason(problem: Problem, job: Job) -> str:
    """Why a team job is not served: too few technicians may serve it, or no time was found
    when enough of them are free together."""
    able = [
        v
        for v in problem.vehicles
        if (not job.required_vehicles or v.id in job.required_vehicles)
        and v.id not in job.prohibited_vehicles
        and job.skills <= v.skills
    ]
    if len(able) < job.team:
        return f"needs {job.team} technicians at the same time, and only {len(able)} may serve it"
    return (
        f"needs {job.team} technicians at the same time: no time found when {job.team} of "
        "the suitable ones are all free"
    )
