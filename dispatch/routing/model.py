"""Typed problem and solution model of the scheduling engine.

Everything here is plain Python: integer seconds for times and durations, integer amounts for
capacity. The VROOM-JSON adapter turns documents into these objects (:mod:`jsonio`) and plans
back into documents (:mod:`json_output`); the solver only ever sees these objects. Times are on
any epoch the caller chooses (the app uses seconds since midnight UTC of the first planned day,
the JSON files use whatever they contain).

Locations are indices into ``Problem.durations`` once a problem is *resolved*: the adapter
builds the matrix from coordinates when the input had none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: A time window ``(start, end)`` in seconds, both inclusive.
Window = tuple[int, int]

#: Upper bound used where the input leaves a time window open.
HORIZON = 2**31 - 1


@dataclass(frozen=True)
class Deadline:
    """A soft deadline: a task that ends ``time`` + n seconds costs ``breach`` plus
    ``per_minute`` for each minute of the n (pro rata, rounded up), on top of travel."""

    time: int
    per_minute: int = 60
    breach: int = 0


@dataclass(frozen=True)
class Overtime:
    """A shift that may run past its end: the route may reach its end up to ``max`` seconds
    after the shift closes, each minute past the close costing ``per_minute`` (pro rata,
    rounded up), on top of travel."""

    max: int
    per_minute: int = 60


@dataclass(frozen=True)
class Dependency:
    """The job starts at least ``delay`` seconds after job ``id`` ends (on the same vehicle
    when ``same_vehicle``); without job ``id`` served, it is not served either."""

    id: int
    delay: int = 0
    same_vehicle: bool = False


@dataclass(frozen=True)
class Job:
    """A visit to make: service must *start* inside one of ``time_windows``.

    Field-work rules (extensions of VROOM's format): ``required_vehicles`` (vehicle ids; only
    these may serve it, any when empty), ``prohibited_vehicles`` (never these),
    ``preferred_vehicles`` (``(vehicle id, weight)``: served by another costs the difference
    to the heaviest weight), ``deadline``, ``depends_on`` and ``team`` (how many technicians
    must serve it together, all starting at the same time: see :mod:`teams`)."""

    id: int
    location_index: int
    service: int = 0
    setup: int = 0
    time_windows: tuple[Window, ...] = ((0, HORIZON),)
    skills: frozenset[int] = frozenset()
    priority: int = 0
    delivery: tuple[int, ...] = ()
    description: str = ""
    location: tuple[float, float] | None = None  # [lon, lat] as given, echoed in the output
    required_vehicles: frozenset[int] = frozenset()
    prohibited_vehicles: frozenset[int] = frozenset()
    preferred_vehicles: tuple[tuple[int, int], ...] = ()
    deadline: Deadline | None = None
    depends_on: tuple[Dependency, ...] = ()
    team: int = 1


@dataclass(frozen=True)
class Break:
    """A break to take during the shift, starting inside one of ``time_windows``."""

    id: int
    time_windows: tuple[Window, ...]
    service: int = 0
    description: str = ""


@dataclass(frozen=True)
class PinnedStep:
    """A step the dispatcher fixed on a vehicle (Dispatch semantics: kept, in this order).

    ``type`` is ``"job"``, ``"break"``, ``"start"`` or ``"end"``; ``id`` is the job or break id.
    ``service_at`` / ``service_after`` / ``service_before`` are hard bounds on the service start.
    """

    type: str
    id: int | None = None
    service_at: int | None = None
    service_after: int | None = None
    service_before: int | None = None


@dataclass(frozen=True)
class Vehicle:
    """A technician's shift: where it starts and ends, when, and what it can do."""

    id: int
    start_index: int | None = None
    end_index: int | None = None
    time_window: Window = (0, HORIZON)
    skills: frozenset[int] = frozenset()
    capacity: tuple[int, ...] = ()
    breaks: tuple[Break, ...] = ()
    max_travel_time: int | None = None
    max_tasks: int | None = None
    steps: tuple[PinnedStep, ...] = ()
    description: str = ""
    start: tuple[float, float] | None = None
    end: tuple[float, float] | None = None
    overtime: Overtime | None = None

    @property
    def latest_end(self) -> int:
        """The latest the route may reach its end: the shift's close, plus the overtime
        allowed."""
        return self.time_window[1] + (self.overtime.max if self.overtime is not None else 0)


@dataclass(frozen=True)
class Problem:
    """A resolved problem: jobs, vehicles and a square travel-time matrix in seconds.

    ``balance``: the weight of evening out the technicians' working time (0: off; see
    :func:`fieldrules.balance_cost`)."""

    jobs: Sequence[Job]
    vehicles: Sequence[Vehicle]
    durations: Sequence[Sequence[int]]
    balance: int = 0


# ---------------------------------------------------------------------------------------------
# Solution


@dataclass
class RouteStep:
    """One step of a route as the technician lives it."""

    type: str  # "start", "job", "break", "end"
    arrival: int
    duration: int  # travel time cumulated since the start of the route
    id: int | None = None
    location_index: int | None = None
    setup: int = 0
    service: int = 0
    waiting_time: int = 0
    location: tuple[float, float] | None = None
    description: str = ""
    #: Seconds the task ended after the job's soft deadline (0 when on time or none).
    lateness: int = 0


@dataclass
class Route:
    vehicle: int
    steps: list[RouteStep]
    cost: int = 0
    duration: int = 0  # total travel
    setup: int = 0
    service: int = 0
    waiting_time: int = 0
    priority: int = 0
    delivery: tuple[int, ...] = ()
    description: str = ""
    #: Seconds the route reached its end (or ended its last task) past the shift's close.
    overtime: int = 0


@dataclass
class Unassigned:
    """A job left out, with a reason a dispatcher understands."""

    id: int
    reason: str
    location_index: int | None = None
    location: tuple[float, float] | None = None
    description: str = ""


@dataclass
class Solution:
    routes: list[Route] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    loading_ms: int = 0
    solving_ms: int = 0
    #: Why the search stopped: "optimal" (proven, a tiny problem), "converged" (no better plan
    #: for a number of moves proportional to the problem) or "time_limit"; "" when not solved.
    stop_reason: str = ""
    #: Seconds from the start of the solve to finding the plan returned.
    found_at: float = 0.0

    @property
    def priority(self) -> int:
        return sum(r.priority for r in self.routes)

    @property
    def travel(self) -> int:
        return sum(r.duration for r in self.routes)

    @property
    def served(self) -> int:
        return sum(1 for r in self.routes for s in r.steps if s.type == "job")
