"""Reading the field-work keys of a job (extensions, see docs/solver-json.md): required,
prohibited and preferred vehicles, the soft deadline and the jobs it depends on.

The references are checked once every job and vehicle is read (:func:`check_references`):
unknown ids, a job that depends on itself, and dependencies in a cycle are input errors.
"""

from __future__ import annotations

from typing import Any

from .json_values import MAX_ID, InputError, read_int, read_list, read_object
from .model import Deadline, Dependency, Job, Vehicle

__all__ = ["RULE_KEYS", "read_rules", "check_references"]

RULE_KEYS = {
    "required_vehicles",
    "prohibited_vehicles",
    "preferred_vehicles",
    "deadline",
    "depends_on",
    "team",
}
PREFERRED_KEYS = {"id", "weight"}
DEADLINE_KEYS = {"time", "per_minute", "breach"}
DEPENDENCY_KEYS = {"id", "delay", "same_vehicle"}


def _ids(value: Any, where: str) -> frozenset[int]:
    items = read_list(value, where)
    return frozenset(read_int(x, f"{where}[{i}]", high=MAX_ID) for i, x in enumerate(items))


def read_rules(obj: dict, where: str) -> dict[str, Any]:
    """The :class:`~dispatch.routing.model.Job` fields of the field-work keys of ``obj``."""
    out: dict[str, Any] = {}
    if "required_vehicles" in obj:
        out["required_vehicles"] = _ids(obj["required_vehicles"], f"{where}.required_vehicles")
        if not out["required_vehicles"]:
            raise InputError(f"{where}.required_vehicles", "empty: no vehicle could serve it")
    if "prohibited_vehicles" in obj:
        out["prohibited_vehicles"] = _ids(
            obj["prohibited_vehicles"], f"{where}.prohibited_vehicles"
        )
    if "preferred_vehicles" in obj:
        here = f"{where}.preferred_vehicles"
        prefs, seen = [], set()
        for i, item in enumerate(read_list(obj["preferred_vehicles"], here)):
            item = read_object(item, f"{here}[{i}]", PREFERRED_KEYS)
            if "id" not in item or "weight" not in item:
                raise InputError(f"{here}[{i}]", "needs an id and a weight")
            vid = read_int(item["id"], f"{here}[{i}].id", high=MAX_ID)
            if vid in seen:
                raise InputError(f"{here}[{i}].id", f"vehicle {vid} listed twice")
            seen.add(vid)
            prefs.append((vid, read_int(item["weight"], f"{here}[{i}].weight", what="weight")))
        out["preferred_vehicles"] = tuple(prefs)
    if "deadline" in obj:
        here = f"{where}.deadline"
        dl = read_object(obj["deadline"], here, DEADLINE_KEYS)
        if "time" not in dl:
            raise InputError(here, "time missing")
        out["deadline"] = Deadline(
            time=read_int(dl["time"], f"{here}.time", what="time"),
            per_minute=read_int(dl.get("per_minute", 60), f"{here}.per_minute", what="cost"),
            breach=read_int(dl.get("breach", 0), f"{here}.breach", what="cost"),
        )
    if "depends_on" in obj:
        here = f"{where}.depends_on"
        deps, seen = [], set()
        for i, item in enumerate(read_list(obj["depends_on"], here)):
            item = read_object(item, f"{here}[{i}]", DEPENDENCY_KEYS)
            if "id" not in item:
                raise InputError(f"{here}[{i}]", "id missing")
            jid = read_int(item["id"], f"{here}[{i}].id", high=MAX_ID)
            if jid in seen:
                raise InputError(f"{here}[{i}].id", f"job {jid} listed twice")
            seen.add(jid)
            same = item.get("same_vehicle", False)
            if not isinstance(same, bool):
                raise InputError(f"{here}[{i}].same_vehicle", "expected true or false")
            delay = read_int(item.get("delay", 0), f"{here}[{i}].delay", what="duration")
            deps.append(Dependency(id=jid, delay=delay, same_vehicle=same))
        out["depends_on"] = tuple(deps)
    if "team" in obj:
        out["team"] = read_int(obj["team"], f"{where}.team", high=MAX_ID)
        if out["team"] < 2:
            raise InputError(f"{where}.team", f"{out['team']}: a team is 2 technicians or more")
    return out


def check_references(jobs: list[Job], vehicles: list[Vehicle]) -> None:
    """Every vehicle and job a job's rules name exists, and no dependency is circular."""
    vehicle_ids = {v.id for v in vehicles}
    job_ids = {j.id for j in jobs}
    for i, job in enumerate(jobs):
        where = f"jobs[{i}]"
        for key in ("required_vehicles", "prohibited_vehicles"):
            for vid in sorted(getattr(job, key)):
                if vid not in vehicle_ids:
                    raise InputError(f"{where}.{key}", f"unknown vehicle {vid}")
        for n, (vid, _) in enumerate(job.preferred_vehicles):
            if vid not in vehicle_ids:
                raise InputError(f"{where}.preferred_vehicles[{n}].id", f"unknown vehicle {vid}")
        for n, dep in enumerate(job.depends_on):
            if dep.id not in job_ids:
                raise InputError(f"{where}.depends_on[{n}].id", f"unknown job {dep.id}")
            if dep.id == job.id:
                raise InputError(f"{where}.depends_on[{n}].id", "a job cannot depend on itself")
    _no_cycle(jobs)
    _teams(jobs, vehicles)


def _teams(jobs: list[Job], vehicles: list[Vehicle]) -> None:
    """A team job needs as many vehicles; it is neither pinned (a pinned step names one
    vehicle) nor joined to other jobs by a dependency (not supported with teams)."""
    pinned = {p.id for v in vehicles for p in v.steps if p.type == "job"}
    team = {j.id for j in jobs if j.team > 1}
    for i, job in enumerate(jobs):
        where = f"jobs[{i}]"
        if job.team > 1:
            if job.team > len(vehicles):
                raise InputError(
                    f"{where}.team", f"{job.team} technicians, the problem has {len(vehicles)}"
                )
            if job.id in pinned:
                raise InputError(f"{where}.team", "a team job cannot be pinned on a vehicle")
            if job.depends_on:
                raise InputError(f"{where}.team", "a team job cannot depend on other jobs")
        for n, dep in enumerate(job.depends_on):
            if dep.id in team:
                raise InputError(
                    f"{where}.depends_on[{n}].id", f"job {dep.id} is a team job: not supported"
                )


def _no_cycle(jobs: list[Job]) -> None:
    """Dependencies in a cycle could never all be kept: an input error naming one job of it."""
    preds = {j.id: [d.id for d in j.depends_on] for j in jobs}
    state: dict[int, int] = {}  # 1: being visited, 2: done
    for i, job in enumerate(jobs):
        if state.get(job.id):
            continue
        stack = [(job.id, iter(preds[job.id]))]
        state[job.id] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise InputError(f"jobs[{i}].depends_on", f"circular dependency through job {nxt}")
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(preds[nxt])))
