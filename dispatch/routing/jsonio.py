"""Reading a problem from VROOM-JSON: strict parsing of the document into the model.

The accepted subset of VROOM's format and the Dispatch extensions are described in
docs/solver-json.md; plans are written back by :mod:`json_output`. Parsing is strict on
purpose: a key we do not understand is an error naming it (``vehicles[1].brakes: unknown
key``), because silently ignoring a misspelt constraint would produce a plan that looks valid
and is not. Every error names its place in the document with the same path syntax
(:mod:`json_values`), so a dispatcher can find it. Places and travel times come from the
matrix or the coordinates (:mod:`json_places`).

Defaults follow VROOM: no ``time_windows`` means any time, no ``skills`` means none, priority 0.
All amounts (``capacity``, ``delivery``) must have the same length; a vehicle without
``capacity`` is not limited, a job without ``delivery`` delivers nothing. Times must be integers
in 0..2³¹−1 seconds on any epoch.
"""

from __future__ import annotations

import json
from typing import Any

from .json_places import Places, read_balance, read_matrix, read_options
from .json_rules import RULE_KEYS, check_references, read_rules
from .json_values import (
    MAX_ID,
    InputError,
    describe,
    read_int,
    read_ints,
    read_list,
    read_object,
    read_text,
    read_window,
    read_windows,
)
from .model import HORIZON, Break, Job, Overtime, PinnedStep, Problem, Vehicle

__all__ = ["loads_document", "loads_problem", "parse_problem", "parse_problem_and_job"]

TOP_KEYS = {"jobs", "vehicles", "matrices", "matrix", "options"}
JOB_KEYS = {
    "id",
    "description",
    "location",
    "location_index",
    "setup",
    "service",
    "time_windows",
    "skills",
    "priority",
    "delivery",
} | RULE_KEYS
VEHICLE_KEYS = {
    "id",
    "description",
    "start",
    "start_index",
    "end",
    "end_index",
    "time_window",
    "skills",
    "capacity",
    "breaks",
    "max_travel_time",
    "max_tasks",
    "steps",
    "overtime",
}
BREAK_KEYS = {"id", "description", "time_windows", "service"}
STEP_KEYS = {"type", "id", "service_at", "service_after", "service_before"}
STEP_TYPES = ("start", "job", "break", "end")
OVERTIME_KEYS = {"max", "per_minute"}


class _Amounts:
    """Checks that every capacity and delivery has the same number of dimensions."""

    def __init__(self) -> None:
        self.size: int | None = None
        self.first = ""

    def read(self, value: Any, where: str) -> tuple[int, ...]:
        amounts = read_ints(value, where, "amount")
        if self.size is None:
            self.size, self.first = len(amounts), where
        elif len(amounts) != self.size:
            raise InputError(
                where, f"{len(amounts)} amounts, expected {self.size} like {self.first}"
            )
        return amounts


def _job(obj: Any, where: str, places: Places, amounts: _Amounts) -> Job:
    obj = read_object(obj, where, JOB_KEYS)
    if "id" not in obj:
        raise InputError(where, "id missing")
    index, coords = places.resolve(obj, where, "location", "location_index", required=True)
    priority = obj.get("priority", 0)
    if not isinstance(priority, bool) and isinstance(priority, int) and not 0 <= priority <= 100:
        raise InputError(f"{where}.priority", f"{priority} outside 0–100")
    return Job(
        id=read_int(obj["id"], f"{where}.id", high=MAX_ID),
        location_index=index,
        setup=read_int(obj.get("setup", 0), f"{where}.setup", what="duration"),
        service=read_int(obj.get("service", 0), f"{where}.service", what="duration"),
        time_windows=(
            read_windows(obj["time_windows"], f"{where}.time_windows")
            if "time_windows" in obj
            else ((0, HORIZON),)
        ),
        skills=frozenset(read_ints(obj.get("skills", []), f"{where}.skills", "skill")),
        priority=read_int(priority, f"{where}.priority", high=100),
        delivery=amounts.read(obj["delivery"], f"{where}.delivery") if "delivery" in obj else (),
        description=read_text(obj.get("description", ""), f"{where}.description"),
        location=coords,
        **read_rules(obj, where),
    )


def _breaks(value: Any, where: str) -> tuple[Break, ...]:
    result, seen = [], {}
    for i, obj in enumerate(read_list(value, where)):
        here = f"{where}[{i}]"
        obj = read_object(obj, here, BREAK_KEYS)
        if "id" not in obj:
            raise InputError(here, "id missing")
        bid = read_int(obj["id"], f"{here}.id", high=MAX_ID)
        if bid in seen:
            raise InputError(f"{here}.id", f"duplicate break id {bid} (also {seen[bid]})")
        seen[bid] = here
        result.append(
            Break(
                id=bid,
                time_windows=(
                    read_windows(obj["time_windows"], f"{here}.time_windows")
                    if "time_windows" in obj
                    else ((0, HORIZON),)
                ),
                service=read_int(obj.get("service", 0), f"{here}.service", what="duration"),
                description=read_text(obj.get("description", ""), f"{here}.description"),
            )
        )
    return tuple(result)


def _steps(
    value: Any, where: str, job_ids: set[int], breaks: tuple[Break, ...], pinned: dict[int, str]
) -> tuple[PinnedStep, ...]:
    items = read_list(value, where)
    break_ids, used_breaks = {b.id for b in breaks}, set()
    steps = []
    for i, obj in enumerate(items):
        here = f"{where}[{i}]"
        obj = read_object(obj, here, STEP_KEYS)
        kind = obj.get("type")
        if kind not in STEP_TYPES:
            raise InputError(
                f"{here}.type", f"expected one of {', '.join(STEP_TYPES)}, got {describe(kind)}"
            )
        if kind == "start" and i != 0:
            raise InputError(here, "a start step must come first")
        if kind == "end" and i != len(items) - 1:
            raise InputError(here, "an end step must come last")
        sid = None
        if kind in ("job", "break"):
            if "id" not in obj:
                raise InputError(here, "id missing")
            sid = read_int(obj["id"], f"{here}.id", high=MAX_ID)
            if kind == "job":
                if sid not in job_ids:
                    raise InputError(f"{here}.id", f"unknown job {sid}")
                if sid in pinned:
                    raise InputError(f"{here}.id", f"job {sid} already pinned at {pinned[sid]}")
                pinned[sid] = here
            else:
                if sid not in break_ids:
                    raise InputError(f"{here}.id", f"unknown break {sid} for this vehicle")
                if sid in used_breaks:
                    raise InputError(f"{here}.id", f"break {sid} pinned twice")
                used_breaks.add(sid)
        elif "id" in obj:
            raise InputError(f"{here}.id", f"a {kind} step takes no id")
        bounds = {
            k: read_int(obj[k], f"{here}.{k}", what="time")
            for k in ("service_at", "service_after", "service_before")
            if k in obj
        }
        low = max(bounds.get("service_at", 0), bounds.get("service_after", 0))
        high = min(bounds.get("service_at", HORIZON), bounds.get("service_before", HORIZON))
        if low > high:
            raise InputError(here, "service bounds exclude every time (after is past before)")
        steps.append(PinnedStep(type=kind, id=sid, **bounds))
    return tuple(steps)


def _overtime(value: Any, where: str) -> Overtime:
    obj = read_object(value, where, OVERTIME_KEYS)
    if "max" not in obj:
        raise InputError(where, "max missing")
    return Overtime(
        max=read_int(obj["max"], f"{where}.max", what="duration"),
        per_minute=read_int(obj.get("per_minute", 60), f"{where}.per_minute", what="cost"),
    )


def _vehicle(
    obj: Any,
    where: str,
    places: Places,
    amounts: _Amounts,
    job_ids: set[int],
    pinned: dict[int, str],
) -> Vehicle:
    obj = read_object(obj, where, VEHICLE_KEYS)
    if "id" not in obj:
        raise InputError(where, "id missing")
    start_index, start = places.resolve(obj, where, "start", "start_index", required=False)
    end_index, end = places.resolve(obj, where, "end", "end_index", required=False)
    if start_index is None and end_index is None:
        raise InputError(where, "needs a start or an end")
    breaks = _breaks(obj.get("breaks", []), f"{where}.breaks")
    return Vehicle(
        id=read_int(obj["id"], f"{where}.id", high=MAX_ID),
        start_index=start_index,
        end_index=end_index,
        time_window=(
            read_window(obj["time_window"], f"{where}.time_window")
            if "time_window" in obj
            else (0, HORIZON)
        ),
        skills=frozenset(read_ints(obj.get("skills", []), f"{where}.skills", "skill")),
        capacity=amounts.read(obj["capacity"], f"{where}.capacity") if "capacity" in obj else (),
        breaks=breaks,
        max_travel_time=(
            read_int(obj["max_travel_time"], f"{where}.max_travel_time", what="duration")
            if "max_travel_time" in obj
            else None
        ),
        max_tasks=(
            read_int(obj["max_tasks"], f"{where}.max_tasks") if "max_tasks" in obj else None
        ),
        steps=_steps(obj.get("steps", []), f"{where}.steps", job_ids, breaks, pinned),
        description=read_text(obj.get("description", ""), f"{where}.description"),
        start=start,
        end=end,
        overtime=_overtime(obj["overtime"], f"{where}.overtime") if "overtime" in obj else None,
    )


def _unique_ids(items: list, where: str, what: str) -> set[int]:
    seen: dict[int, int] = {}
    for i, obj in enumerate(items):
        if isinstance(obj, dict) and "id" in obj:
            oid = read_int(obj["id"], f"{where}[{i}].id", high=MAX_ID)
            if oid in seen:
                raise InputError(
                    f"{where}[{i}].id", f"duplicate {what} id {oid} (also {where}[{seen[oid]}])"
                )
            seen[oid] = i
    return set(seen)


def parse_problem(doc: Any) -> Problem:
    """Validate a decoded VROOM-JSON document and resolve it into a :class:`Problem`.

    Raises :class:`InputError` naming the first offending place in the document.
    """
    doc = read_object(doc, "", TOP_KEYS)
    for key in ("jobs", "vehicles"):
        if key not in doc:
            raise InputError(key, "missing")
    jobs_in, vehicles_in = read_list(doc["jobs"], "jobs"), read_list(doc["vehicles"], "vehicles")
    matrix = read_matrix(doc)
    speed, circuity = read_options(doc)
    balance = read_balance(doc)
    places, amounts = Places(matrix), _Amounts()
    job_ids = _unique_ids(jobs_in, "jobs", "job")
    _unique_ids(vehicles_in, "vehicles", "vehicle")
    jobs = [_job(obj, f"jobs[{i}]", places, amounts) for i, obj in enumerate(jobs_in)]
    pinned: dict[int, str] = {}
    vehicles = [
        _vehicle(obj, f"vehicles[{i}]", places, amounts, job_ids, pinned)
        for i, obj in enumerate(vehicles_in)
    ]
    check_references(jobs, vehicles)
    if matrix is None:
        matrix = places.table.matrix(speed, circuity)
    return Problem(jobs=jobs, vehicles=vehicles, durations=matrix, balance=balance)


def parse_problem_and_job(doc: Any, job_doc: Any) -> tuple[Problem, Job]:
    """A problem and one more job for it (``recommend``'s input). The job is read as one more
    entry of ``jobs``, so that it may have a place of its own (the matrix built from
    coordinates then has a row for it, and the vehicles' places come after it: the plan's
    ``location_index`` values are those of ``parse_problem(doc)``); an error in it names it
    ``job`` (``job.time_windows[0]: end before start``)."""
    doc = read_object(doc, "", TOP_KEYS)
    jobs = read_list(doc.get("jobs"), "jobs")
    count = len(jobs)
    try:
        both = parse_problem({**doc, "jobs": [*jobs, job_doc]})
    except InputError as exc:
        mine = f"jobs[{count}]"
        if exc.where == mine or exc.where.startswith(mine + "."):
            raise InputError("job" + exc.where[len(mine) :], exc.message) from None
        raise
    problem = Problem(jobs=both.jobs[:count], vehicles=both.vehicles, durations=both.durations)
    return problem, both.jobs[count]


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    # json.loads would silently keep the last of two equal keys: one of them is a mistake.
    doc: dict = {}
    for key, value in pairs:
        if key in doc:
            raise InputError("", f"invalid JSON: key {json.dumps(key)} given twice in an object")
        doc[key] = value
    return doc


def loads_problem(text: str | bytes) -> Problem:
    """Parse JSON text into a :class:`Problem`; malformed JSON is an :class:`InputError` too."""
    return parse_problem(loads_document(text))


def loads_document(text: str | bytes) -> Any:
    """Decode JSON text strictly (a key given twice is an error); malformed JSON is an
    :class:`InputError`."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as exc:
        raise InputError("", f"invalid JSON: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            "", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError("", "invalid JSON: nested too deeply") from None
    return doc
