"""VROOM-JSON adapter: strict parsing of problems into the model, and plans back out to JSON.

The accepted subset and the Dispatch extensions are described in
``shared/contracts/solver-json.md``. Parsing is strict on purpose: a key we do not understand is
an error naming it (``vehicles[1].brakes: unknown key``), because silently ignoring a misspelt
constraint would produce a plan that looks valid and is not. Every error names its place in the
document with the same path syntax, so a dispatcher can find it.

Without ``matrices.car.durations`` the travel matrix is built from the coordinates by
:mod:`geometry` (great-circle distance × circuity ÷ speed; ``options.speed_kmh`` defaults to 40
and ``options.circuity`` to 1.3, town driving); identical coordinates share one matrix index.

Defaults follow VROOM: no ``time_windows`` means any time, no ``skills`` means none, priority 0.
All amounts (``capacity``, ``delivery``) must have the same length; a vehicle without
``capacity`` is not limited, a job without ``delivery`` delivers nothing. Times must be integers
in 0..2³¹−1 seconds on any epoch.
"""
from __future__ import annotations

import json
import math
from typing import Any

from .geometry import DEFAULT_CIRCUITY, DEFAULT_SPEED_KMH, LocationTable
from .model import HORIZON, Break, Job, PinnedStep, Problem, Solution, Vehicle

__all__ = ["InputError", "loads_problem", "parse_problem", "dump_solution", "dump_error"]

MAX_ID = 2**64 - 1  # VROOM ids are unsigned 64-bit integers

TOP_KEYS = {"jobs", "vehicles", "matrices", "options"}
JOB_KEYS = {"id", "description", "location", "location_index", "setup", "service",
            "time_windows", "skills", "priority", "delivery"}
VEHICLE_KEYS = {"id", "description", "start", "start_index", "end", "end_index", "time_window",
                "skills", "capacity", "breaks", "max_travel_time", "max_tasks", "steps"}
BREAK_KEYS = {"id", "description", "time_windows", "service"}
STEP_KEYS = {"type", "id", "service_at", "service_after", "service_before"}
STEP_TYPES = ("start", "job", "break", "end")
OPTION_KEYS = {"speed_kmh", "circuity"}


class InputError(ValueError):
    """A problem document that cannot be accepted; ``where`` is its path in the document."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


# ---------------------------------------------------------------------------------------------
# Small typed readers. Each takes the value and its path, and returns a clean Python value.


def _describe(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: Any, where: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise InputError(where, f"expected an object, got {_describe(value)}")
    for key in value:  # document order, so the first bad key is the one reported
        if key not in allowed:
            raise InputError(f"{where}.{key}" if where else key, "unknown key")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise InputError(where, f"expected an array, got {_describe(value)}")
    return value


def _int(value: Any, where: str, low: int = 0, high: int = HORIZON, what: str = "") -> int:
    # bool is an int subclass in Python; JSON true/false are never meant as numbers here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(where, f"expected an integer, got {_describe(value)}")
    if value < low:
        if low == 0:
            raise InputError(where, f"negative {what or 'value'} {value}")
        raise InputError(where, f"{value} below {low}")
    if value > high:
        raise InputError(where, f"{value} above {high}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(where, f"expected a number, got {_describe(value)}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(where, f"expected a string, got {_describe(value)}")
    return value


def _ints(value: Any, where: str, what: str = "value") -> tuple[int, ...]:
    return tuple(_int(v, f"{where}[{i}]", what=what) for i, v in enumerate(_list(value, where)))


def _window(value: Any, where: str) -> tuple[int, int]:
    pair = _list(value, where)
    if len(pair) != 2:
        raise InputError(where, f"expected [start, end], got {_describe(value)}")
    start = _int(pair[0], f"{where}[0]", what="time")
    end = _int(pair[1], f"{where}[1]", what="time")
    if end < start:
        raise InputError(where, "end before start")
    return (start, end)


def _windows(value: Any, where: str) -> tuple[tuple[int, int], ...]:
    items = _list(value, where)
    if not items:
        raise InputError(where, "needs at least one window")
    return tuple(sorted(_window(w, f"{where}[{i}]") for i, w in enumerate(items)))


def _location(value: Any, where: str) -> tuple[float, float]:
    pair = _list(value, where)
    if len(pair) != 2:
        raise InputError(where, f"expected [lon, lat], got {_describe(value)}")
    lon, lat = _number(pair[0], f"{where}[0]"), _number(pair[1], f"{where}[1]")
    if not -180.0 <= lon <= 180.0:
        raise InputError(f"{where}[0]", f"longitude {lon} outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise InputError(f"{where}[1]", f"latitude {lat} outside -90..90")
    return (lon, lat)


# ---------------------------------------------------------------------------------------------
# The document


class _Places:
    """Resolves ``location``/``location_index`` pairs the same way for jobs and vehicles."""

    def __init__(self, matrix: list[list[int]] | None) -> None:
        self.matrix = matrix
        self.table = LocationTable()

    def resolve(self, obj: dict, where: str, coord_key: str, index_key: str, required: bool):
        coords = _location(obj[coord_key], f"{where}.{coord_key}") if coord_key in obj else None
        if self.matrix is not None:
            if index_key not in obj:
                if required or coords is not None:
                    raise InputError(where, f"{index_key} missing (required with matrices)")
                return None, None
            index = _int(obj[index_key], f"{where}.{index_key}")
            if index >= len(self.matrix):
                raise InputError(f"{where}.{index_key}",
                                 f"{index} out of range (matrix has {len(self.matrix)} rows)")
            return index, coords
        if index_key in obj:
            raise InputError(f"{where}.{index_key}", "needs matrices.car.durations")
        if coords is None:
            if required:
                raise InputError(where, f"{coord_key} missing (required without matrices)")
            return None, None
        return self.table.index_of(coords), coords


class _Amounts:
    """Checks that every capacity and delivery has the same number of dimensions."""

    def __init__(self) -> None:
        self.size: int | None = None
        self.first = ""

    def read(self, value: Any, where: str) -> tuple[int, ...]:
        amounts = _ints(value, where, "amount")
        if self.size is None:
            self.size, self.first = len(amounts), where
        elif len(amounts) != self.size:
            raise InputError(where, f"{len(amounts)} amounts, expected {self.size} "
                                    f"like {self.first}")
        return amounts


def _matrix(doc: dict) -> list[list[int]] | None:
    if "matrices" not in doc:
        return None
    matrices = _object(doc["matrices"], "matrices", {"car"})
    if "car" not in matrices:
        raise InputError("matrices", "car profile missing")
    car = _object(matrices["car"], "matrices.car", {"durations"})
    if "durations" not in car:
        raise InputError("matrices.car", "durations missing")
    where = "matrices.car.durations"
    rows = _list(car["durations"], where)
    if not rows:
        raise InputError(where, "empty matrix")
    n = len(rows)
    matrix = []
    for i, row in enumerate(rows):
        row = _list(row, f"{where}[{i}]")
        if len(row) != n:
            raise InputError(f"{where}[{i}]", f"row has {len(row)} entries, expected {n} "
                                              "(the matrix must be square)")
        matrix.append([_int(v, f"{where}[{i}][{j}]", what="travel time")
                       for j, v in enumerate(row)])
    return matrix


def _options(doc: dict) -> tuple[float, float]:
    opts = _object(doc.get("options", {}), "options", OPTION_KEYS)
    speed = _number(opts.get("speed_kmh", DEFAULT_SPEED_KMH), "options.speed_kmh")
    if speed <= 0:
        raise InputError("options.speed_kmh", "must be positive")
    circuity = _number(opts.get("circuity", DEFAULT_CIRCUITY), "options.circuity")
    if circuity < 1.0:
        raise InputError("options.circuity", "must be at least 1 (roads are never shorter "
                                             "than the great circle)")
    return speed, circuity


def _job(obj: Any, where: str, places: _Places, amounts: _Amounts) -> Job:
    obj = _object(obj, where, JOB_KEYS)
    if "id" not in obj:
        raise InputError(where, "id missing")
    index, coords = places.resolve(obj, where, "location", "location_index", required=True)
    priority = obj.get("priority", 0)
    if not isinstance(priority, bool) and isinstance(priority, int) and not 0 <= priority <= 100:
        raise InputError(f"{where}.priority", f"{priority} outside 0–100")
    return Job(
        id=_int(obj["id"], f"{where}.id", high=MAX_ID),
        location_index=index,
        setup=_int(obj.get("setup", 0), f"{where}.setup", what="duration"),
        service=_int(obj.get("service", 0), f"{where}.service", what="duration"),
        time_windows=(_windows(obj["time_windows"], f"{where}.time_windows")
                      if "time_windows" in obj else ((0, HORIZON),)),
        skills=frozenset(_ints(obj.get("skills", []), f"{where}.skills", "skill")),
        priority=_int(priority, f"{where}.priority", high=100),
        delivery=amounts.read(obj["delivery"], f"{where}.delivery") if "delivery" in obj else (),
        description=_text(obj.get("description", ""), f"{where}.description"),
        location=coords,
    )


def _breaks(value: Any, where: str) -> tuple[Break, ...]:
    result, seen = [], {}
    for i, obj in enumerate(_list(value, where)):
        here = f"{where}[{i}]"
        obj = _object(obj, here, BREAK_KEYS)
        if "id" not in obj:
            raise InputError(here, "id missing")
        bid = _int(obj["id"], f"{here}.id", high=MAX_ID)
        if bid in seen:
            raise InputError(f"{here}.id", f"duplicate break id {bid} (also {seen[bid]})")
        seen[bid] = here
        result.append(Break(
            id=bid,
            time_windows=(_windows(obj["time_windows"], f"{here}.time_windows")
                          if "time_windows" in obj else ((0, HORIZON),)),
            service=_int(obj.get("service", 0), f"{here}.service", what="duration"),
            description=_text(obj.get("description", ""), f"{here}.description"),
        ))
    return tuple(result)


def _steps(value: Any, where: str, job_ids: set[int], breaks: tuple[Break, ...],
           pinned: dict[int, str]) -> tuple[PinnedStep, ...]:
    items = _list(value, where)
    break_ids, used_breaks = {b.id for b in breaks}, set()
    steps = []
    for i, obj in enumerate(items):
        here = f"{where}[{i}]"
        obj = _object(obj, here, STEP_KEYS)
        kind = obj.get("type")
        if kind not in STEP_TYPES:
            raise InputError(f"{here}.type", f"expected one of {', '.join(STEP_TYPES)}, "
                                             f"got {_describe(kind)}")
        if kind == "start" and i != 0:
            raise InputError(here, "a start step must come first")
        if kind == "end" and i != len(items) - 1:
            raise InputError(here, "an end step must come last")
        sid = None
        if kind in ("job", "break"):
            if "id" not in obj:
                raise InputError(here, "id missing")
            sid = _int(obj["id"], f"{here}.id", high=MAX_ID)
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
        bounds = {k: _int(obj[k], f"{here}.{k}", what="time")
                  for k in ("service_at", "service_after", "service_before") if k in obj}
        low = max(bounds.get("service_at", 0), bounds.get("service_after", 0))
        high = min(bounds.get("service_at", HORIZON), bounds.get("service_before", HORIZON))
        if low > high:
            raise InputError(here, "service bounds exclude every time (after is past before)")
        steps.append(PinnedStep(type=kind, id=sid, **bounds))
    return tuple(steps)


def _vehicle(obj: Any, where: str, places: _Places, amounts: _Amounts, job_ids: set[int],
             pinned: dict[int, str]) -> Vehicle:
    obj = _object(obj, where, VEHICLE_KEYS)
    if "id" not in obj:
        raise InputError(where, "id missing")
    start_index, start = places.resolve(obj, where, "start", "start_index", required=False)
    end_index, end = places.resolve(obj, where, "end", "end_index", required=False)
    if start_index is None and end_index is None:
        raise InputError(where, "needs a start or an end")
    breaks = _breaks(obj.get("breaks", []), f"{where}.breaks")
    return Vehicle(
        id=_int(obj["id"], f"{where}.id", high=MAX_ID),
        start_index=start_index,
        end_index=end_index,
        time_window=(_window(obj["time_window"], f"{where}.time_window")
                     if "time_window" in obj else (0, HORIZON)),
        skills=frozenset(_ints(obj.get("skills", []), f"{where}.skills", "skill")),
        capacity=amounts.read(obj["capacity"], f"{where}.capacity") if "capacity" in obj else (),
        breaks=breaks,
        max_travel_time=(_int(obj["max_travel_time"], f"{where}.max_travel_time",
                              what="duration") if "max_travel_time" in obj else None),
        max_tasks=(_int(obj["max_tasks"], f"{where}.max_tasks")
                   if "max_tasks" in obj else None),
        steps=_steps(obj.get("steps", []), f"{where}.steps", job_ids, breaks, pinned),
        description=_text(obj.get("description", ""), f"{where}.description"),
        start=start,
        end=end,
    )


def _unique_ids(items: list, where: str, what: str) -> set[int]:
    seen: dict[int, int] = {}
    for i, obj in enumerate(items):
        if isinstance(obj, dict) and "id" in obj:
            oid = _int(obj["id"], f"{where}[{i}].id", high=MAX_ID)
            if oid in seen:
                raise InputError(f"{where}[{i}].id",
                                 f"duplicate {what} id {oid} (also {where}[{seen[oid]}])")
            seen[oid] = i
    return set(seen)


def parse_problem(doc: Any) -> Problem:
    """Validate a decoded VROOM-JSON document and resolve it into a :class:`Problem`.

    Raises :class:`InputError` naming the first offending place in the document.
    """
    doc = _object(doc, "", TOP_KEYS)
    for key in ("jobs", "vehicles"):
        if key not in doc:
            raise InputError(key, "missing")
    jobs_in, vehicles_in = _list(doc["jobs"], "jobs"), _list(doc["vehicles"], "vehicles")
    matrix = _matrix(doc)
    speed, circuity = _options(doc)
    places, amounts = _Places(matrix), _Amounts()
    job_ids = _unique_ids(jobs_in, "jobs", "job")
    _unique_ids(vehicles_in, "vehicles", "vehicle")
    jobs = [_job(obj, f"jobs[{i}]", places, amounts) for i, obj in enumerate(jobs_in)]
    pinned: dict[int, str] = {}
    vehicles = [_vehicle(obj, f"vehicles[{i}]", places, amounts, job_ids, pinned)
                for i, obj in enumerate(vehicles_in)]
    if matrix is None:
        matrix = places.table.matrix(speed, circuity)
    return Problem(jobs=jobs, vehicles=vehicles, durations=matrix)


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
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as exc:
        raise InputError("", f"invalid JSON: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise InputError("", f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                             f"{exc.msg}") from None
    except RecursionError:
        raise InputError("", "invalid JSON: nested too deeply") from None
    return parse_problem(doc)


# ---------------------------------------------------------------------------------------------
# Output


def dump_error(code: int, message: str) -> dict:
    """VROOM's error document."""
    return {"code": code, "error": message}


def _place(out: dict, location: Any, index: int | None) -> None:
    if location is not None:
        out["location"] = [location[0], location[1]]
    if index is not None:
        out["location_index"] = index


def dump_solution(problem: Problem, solution: Solution) -> dict:
    """Write a :class:`Solution` in VROOM's output format (plus each unassigned job's reason).

    Route figures are echoed from the solution; the summary adds them up. ``cost`` is the travel
    time, as VROOM reports it when it is given a durations matrix.
    """
    jobs = {j.id: j for j in problem.jobs}
    vehicles = {v.id: v for v in problem.vehicles}
    routes = []
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle)
        steps = []
        for s in route.steps:
            out: dict[str, Any] = {"type": s.type}
            location, index = s.location, s.location_index
            if s.type == "job":
                job = jobs.get(s.id)
                if job is not None:
                    location = location or job.location
                    index = job.location_index if index is None else index
            elif vehicle is not None and s.type in ("start", "end"):
                location = location or (vehicle.start if s.type == "start" else vehicle.end)
                if index is None:
                    index = vehicle.start_index if s.type == "start" else vehicle.end_index
            if s.type in ("job", "break"):
                out["id"] = s.id
            if s.description:
                out["description"] = s.description
            _place(out, location, index)
            out.update(arrival=s.arrival, duration=s.duration, setup=s.setup, service=s.service,
                       waiting_time=s.waiting_time)
            steps.append(out)
        out_route: dict[str, Any] = {
            "vehicle": route.vehicle,
            "cost": route.cost or route.duration,
            "setup": route.setup,
            "service": route.service,
            "duration": route.duration,
            "waiting_time": route.waiting_time,
            "priority": route.priority,
        }
        if route.delivery:
            out_route["delivery"] = list(route.delivery)
        description = route.description or (vehicle.description if vehicle else "")
        if description:
            out_route["description"] = description
        out_route["steps"] = steps
        routes.append(out_route)
    unassigned = []
    for u in solution.unassigned:
        job = jobs.get(u.id)
        out = {"id": u.id, "type": "job"}
        description = u.description or (job.description if job else "")
        if description:
            out["description"] = description
        _place(out, u.location or (job.location if job else None),
               u.location_index if u.location_index is not None
               else (job.location_index if job else None))
        out["reason"] = u.reason
        unassigned.append(out)
    summary = {
        key: sum(r[key] for r in routes)
        for key in ("cost", "setup", "service", "duration", "waiting_time", "priority")
    }
    summary = {"cost": summary["cost"], "routes": len(routes), "unassigned": len(unassigned),
               **{k: v for k, v in summary.items() if k != "cost"}}
    summary["computing_times"] = {"loading": solution.loading_ms, "solving": solution.solving_ms}
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes}
