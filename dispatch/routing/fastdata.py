"""The problem as flat lists and arrays of integers, for the ruin-and-recreate search.

:class:`Data` is read on every move of the search (:mod:`fastroute`, :mod:`lns`): the travel
matrix as one flat array (C integers in the compiled build, see setup.py), and per job its
place, setup, service, priority, amounts and time windows, already cut to the pinned bounds of
:func:`timeline.pin_bounds`. :class:`VehicleData` is the same for a vehicle. A candidate
insertion is packed in one integer (:meth:`fastroute.Route.candidates`); :func:`unpack` reads
it back. :data:`NEG` and :data:`NONE` are the two times that are not times.
"""

from __future__ import annotations

from array import array

from .model import HORIZON, Problem
from .timeline import pin_bounds

#: Before every time: the latest arrival or departure where there is none.
NEG = -(2**62)
#: "No time": what the timing steps of :mod:`fasttiming` return when a task or a break cannot
#: be taken (every real time is at least 0). A plain integer rather than None, so that the
#: compiled build (see setup.py) keeps these values as C integers: each module that uses them
#: imports them from here into a C variable declared in its .pxd.
NONE = -1


class Data:
    """The problem as flat lists and arrays, windows already cut to the pinned bounds."""

    def __init__(self, problem: Problem) -> None:
        # One more place, NOWHERE, zero travel to and from anything: the start or the end of
        # an open route, so that no lookup needs a test for None.
        size = len(problem.durations)
        durations = problem.durations
        if max((max(row) for row in durations if row), default=0) > HORIZON:
            # Travel longer than the horizon can never be driven anyway; capped, every detour
            # fits the packed candidates below (and a C integer in the compiled build).
            durations = [[min(x, HORIZON) for x in row] for row in durations]
        # The matrix flat, travel from a to b at a * size + b: the compiled build reads it as C
        # integers, where every read of a list item is a conversion (measured on the largest
        # field day: with the gap table of Route._gaps, the same moves in 40 % less time;
        # docs/benchmarks.md, "What was tried").
        self.size = size + 1
        mf = array("q")
        for row in durations:  # row by row: no temporary list of size² items
            mf.extend(row)
            mf.append(0)
        mf.extend([0] * self.size)
        self.mf = mf
        # Each place's longest drive, summed, plus one: the unit of the search's lexicographic
        # penalties (lns.Search), above the travel of any plan it compares.
        self.travel_bound = sum(max(row, default=0) for row in durations) + 1
        jobs = problem.jobs
        self.loc = [j.location_index for j in jobs]
        self.setup = [j.setup for j in jobs]
        self.serv = [j.service for j in jobs]
        self.prio = [j.priority for j in jobs]
        self.dem = [tuple(j.delivery) for j in jobs]
        pins = {}
        for v in problem.vehicles:
            bounds = pin_bounds(v)
            for p in v.steps:
                if p.type == "job":
                    pins[p.id] = bounds[("job", p.id)]
        self.pinned = {k for k, j in enumerate(jobs) if j.id in pins}
        self.wins = []
        for j in jobs:
            lo, hi = pins.get(j.id, (0, HORIZON))
            ws = sorted((max(a, lo), min(b, hi)) for a, b in j.time_windows)
            self.wins.append(tuple((a, b) for a, b in ws if a <= b))
        self.last_end = [max((b for _, b in w), default=-1) for w in self.wins]
        self.ndim = max((len(x) for x in self.dem), default=0)
        self.vehicles = [VehicleData(v, size) for v in problem.vehicles]
        # A candidate insertion is one integer, (detour, vehicle, gap) packed so that integer
        # order is that order: sorting or heaping plain integers is several times faster than
        # tuples. Detours fit in 34 bits with the sign (times are below 2**31).
        self.gap_bits = (len(jobs) + 1).bit_length()
        self.route_bits = max(1, len(problem.vehicles).bit_length())
        if self.gap_bits + self.route_bits > 28:
            raise ValueError("too many jobs and vehicles for one search")


class VehicleData:
    """One vehicle: its start and end places (``nowhere`` for an open route), when it may
    leave and must be back, its capacity, limits and breaks, cut to its pinned bounds."""

    def __init__(self, v, nowhere: int) -> None:
        bounds = pin_bounds(v)
        s_lo, s_hi = bounds.get(("start", None), (0, HORIZON))
        _, e_hi = bounds.get(("end", None), (0, HORIZON))
        self.start = nowhere if v.start_index is None else v.start_index
        self.end = nowhere if v.end_index is None else v.end_index
        self.leave = max(v.time_window[0], s_lo)
        self.ok = self.leave <= s_hi
        # The end arrival (or the last task's end, on an open route) must be by this time
        # (overtime included: what it costs is the search's, fieldrules.Rules.route_soft).
        self.last = min(v.latest_end, e_hi)
        self.cap = tuple(v.capacity)
        self.max_travel = v.max_travel_time
        self.max_tasks = v.max_tasks
        self.breaks = []
        for b in v.breaks:
            lo, hi = bounds.get(("break", b.id), (0, HORIZON))
            ws = sorted((max(a, lo), min(e, hi)) for a, e in b.time_windows)
            self.breaks.append((tuple((a, e) for a, e in ws if a <= e), b.service))


def unpack(d: Data, key: int) -> tuple[int, int]:
    """The vehicle and the gap of a candidate from :meth:`Route.candidates`."""
    return (key >> d.gap_bits) & ((1 << d.route_bits) - 1), key & ((1 << d.gap_bits) - 1)
