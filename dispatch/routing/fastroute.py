"""Routes as flat integer sequences with O(1) insertion checks, for the ruin-and-recreate search.

The timing is exactly :mod:`timeline`'s (earliest start, setup skipped after a job at the same
place, breaks taken between tasks with the wait before them usable for driving, pinned bounds),
so a plan built here always times without surprise. What makes it fast:

* a forward pass keeps, for every job in the route, when its task ends (the earliest);
* a backward pass keeps, for every job, the *latest arrival* from which the rest of the route is
  still feasible, once with its setup charged and once without (whether the setup is charged
  depends on the job before it, which an insertion changes);
* per gap between two jobs, a row of a flat table of C integers in the compiled build (the
  places on either side, the travel between them, the times around it), which the search scans
  for every job it inserts (:meth:`Route.candidates`).

Earliest timing is monotone (arriving later never makes anything earlier), so inserting a job
``x`` between ``p`` and ``q`` is feasible exactly when ``x`` can start after ``p`` and the new
arrival at ``q`` is no later than ``q``'s latest arrival: a few additions, whatever the route's
length. A sequence item ``j >= 0`` is a job (its position in ``problem.jobs``), ``-1 - b`` is the
vehicle's break ``b``.
"""

from __future__ import annotations

from array import array

from .fastdata import NEG, NONE, Data
from .fasttiming import latest_arrival, latest_departure, take_breaks, task_end

#: Integers per gap in :attr:`Route.gx` (see :meth:`Route._gaps`).
GAP = 7


class Route:
    """One vehicle's sequence with its forward and backward values (see the module doc)."""

    __slots__ = (
        "version",
        "k",
        "v",
        "seq",
        "tend",
        "las",
        "lan",
        "travel",
        "load",
        "njobs",
        "la_end",
        "d",
        "room",
        "gx",
        "slack",
        "kept",
        "finish",
    )

    def __init__(self, data: Data, k: int, seq: list[int]) -> None:
        self.d = data
        self.k = k
        self.v = data.vehicles[k]
        self.seq = seq
        self.dead()

    def dead(self) -> None:
        """Values of a route that takes nothing (before a successful :meth:`update`)."""
        self.version = -1  # never a hash in CPython
        self.kept = None
        self.travel, self.njobs, self.la_end, self.finish = 0, 0, NEG, 0
        self.tend, self.las, self.lan = [], [], []
        self.gx = _EMPTY
        self.slack = NEG
        self.load = [2**62] * len(self.v.cap) if self.v.cap else [0]
        self.room = [-1] * self.d.ndim

    def state(self) -> tuple:
        """Everything :meth:`update` computes, and a copy of the sequence, to come back to with
        :meth:`set_state` without timing the route again (update never changes a list in
        place: it builds new ones, so keeping references is enough). Kept until the next
        update: a search keeps the state of every route at every accepted move, and most
        routes have not changed since the last."""
        if self.kept is None:
            self.kept = (list(self.seq),) + tuple([getattr(self, a) for a in _STATE])
        return self.kept

    def set_state(self, state: tuple) -> None:
        """Come back to a :meth:`state`."""
        self.seq = list(state[0])
        for a, value in zip(_STATE, state[1:], strict=True):
            setattr(self, a, value)
        self.kept = state

    def jobs(self) -> list[int]:
        """The route's jobs, in order (breaks left out)."""
        return [x for x in self.seq if x >= 0]

    def update(self) -> bool:
        """Recompute everything; False when the sequence is infeasible."""
        # The route's state is a function of its sequence: a search can remember that a job
        # did not fit the route "as it is" and skip it until it changes — including when a
        # rejected move is undone, which a counter would not see. (A hash collision would
        # only hide one route from one job, never make a plan infeasible.)
        self.version = hash(tuple(self.seq))
        self.kept = None
        d, v, seq = self.d, self.v, self.seq
        mf, loc, size = d.mf, d.loc, d.size
        n = len(seq)
        tend = [0] * n
        t, here = v.leave, v.start
        pending = []
        travel = 0
        ncap = len(v.cap)
        load = [0] * ncap
        njobs = 0
        for i in range(n):
            x = seq[i]
            if x < 0:
                pending.append(v.breaks[-1 - x])
                continue
            lx = loc[x]
            travel += mf[here * size + lx]
            t = task_end(d, pending, t, here, x)
            if t == NONE:
                return False
            if pending:
                pending = []
            tend[i] = t
            here = lx
            njobs += 1
            if ncap:
                dem = d.dem[x]
                for c in range(min(ncap, len(dem))):
                    load[c] += dem[c]
        drive = mf[here * size + v.end]
        travel = travel + drive if njobs else 0  # an empty route stays home
        if pending:
            t, drive = take_breaks(pending, t, drive)
            if t == NONE:
                return False
        if t + drive > v.last:
            return False
        finish = t + drive  # the end reached (the last task ended, on an open route)
        if v.max_travel is not None and travel > v.max_travel:
            return False
        if v.max_tasks is not None and njobs > v.max_tasks:
            return False
        for c in range(ncap):
            if load[c] > v.cap[c]:
                return False
        self.tend, self.travel, self.load, self.njobs = tend, travel, load, njobs
        self.finish = finish
        # Capacity left per amount (unlimited where the vehicle has no capacity for it).
        self.room = [v.cap[c] - load[c] if c < len(v.cap) else 2**62 for c in range(d.ndim)]
        self._backward()
        self._gaps()
        return True

    def _gaps(self) -> None:
        """Per gap between consecutive jobs (start and end included), :data:`GAP` integers in
        ``gx``: the place before the gap (times the matrix size: its row in ``Data.mf``), the
        place after it, the travel between them, when the job before ends, the latest arrival
        after the gap, and the sequence positions in the gap (from, to: several when breaks
        sit there). One flat array of C integers for :meth:`candidates`, the search's most
        repeated loop. Also ``slack``, the longest time free in any gap: a job whose service
        is longer fits nowhere here (travel aside, which only adds to it)."""
        seq, loc, mf, v, size = self.seq, self.d.loc, self.d.mf, self.v, self.d.size
        tend, lan = self.tend, self.lan
        n = len(seq)
        gx = _GAP0 * (self.njobs + 1)
        here, t, last = v.start, v.leave, -1  # the place, time and position before the gap
        slack = NEG
        o = 0
        for i in range(n + 1):
            if i < n:
                x = seq[i]
                if x < 0:
                    continue
                there, la = loc[x], lan[i]
            else:
                there, la = v.end, self.la_end
            gx[o] = here * size
            gx[o + 1] = there
            # An empty route is not driven (the vehicle stays home).
            gx[o + 2] = mf[here * size + there] if i < n or last >= 0 else 0
            gx[o + 3] = t
            gx[o + 4] = la
            gx[o + 5] = last + 1
            gx[o + 6] = i
            if la - t > slack:
                slack = la - t
            if i < n:
                here, t, last = there, tend[i], i
            o += GAP
        self.gx = gx
        self.slack = slack

    def span(self, g: int) -> tuple[int, int]:
        """The sequence positions (from, to) of gap ``g``: a job goes in before any of them."""
        return self.gx[GAP * g + 5], self.gx[GAP * g + 6]

    def _backward(self) -> None:
        """The latest arrivals ``las``/``lan`` (setup charged / not) and ``la_end``, from the
        end of the route back (see the module docstring)."""
        d, v, seq = self.d, self.v, self.seq
        mf, size, loc, setup, serv, wins = d.mf, d.size, d.loc, d.setup, d.serv, d.wins
        n = len(seq)
        las = [NEG] * n
        lan = [NEG] * n
        # Latest arrival at whatever comes next (the end first), and where it is.
        nxt_la_s = nxt_la_n = self.la_end = v.last
        nxt_loc = v.end
        pending = []
        for i in range(n - 1, -1, -1):
            x = seq[i]
            if x < 0:
                pending.append(v.breaks[-1 - x])
                continue
            lx = loc[x]
            drive = mf[lx * size + nxt_loc]
            target = nxt_la_n if nxt_loc == lx else nxt_la_s
            if pending:
                depart = latest_departure(pending[::-1], drive, target)
                pending = []
            else:
                depart = target - drive
            las[i] = latest_arrival(wins[x], depart - setup[x] - serv[x])
            lan[i] = latest_arrival(wins[x], depart - serv[x])
            nxt_la_s, nxt_la_n, nxt_loc = las[i], lan[i], lx
        self.las, self.lan = las, lan

    def candidates(self, lx: int, limit: int, first: int, service: int, out: list) -> None:
        """Append ``(detour, vehicle, gap)``, packed in one integer (see :class:`Data` and
        :func:`unpack`), to ``out`` for every gap where a job could fit on the necessary
        conditions, breaks and setup aside: the job, at place ``lx``, reached before ``limit``
        (its last window's end), and the place after the gap then reached by its latest
        arrival (``first``: its first window's start; ``service``: its service time). The
        search times only the cheapest of these (:meth:`insertion`)."""
        # A multiplication rather than a shift: the detour may be negative (a matrix need not
        # keep the triangle inequality), and a negative left shift is undefined in C.
        scale = 1 << (self.d.gap_bits + self.d.route_bits)
        base = self.k << self.d.gap_bits
        mf = self.d.mf
        gx = self.gx
        row = lx * self.d.size
        for g in range(len(gx) // GAP):
            i = GAP * g
            tend = gx[i + 3]
            if tend > limit:
                break  # task ends only grow along the route: no later gap is reachable
            col = mf[gx[i] + lx]
            reach = tend + col
            if reach > limit:
                continue
            begin = reach if reach > first else first
            b = mf[row + gx[i + 1]]
            if begin + service + b <= gx[i + 4]:
                out.append((col + b - gx[i + 2]) * scale + base + g)

    def insertion(self, x: int, pos: int, bound=2**62):
        """Extra travel of inserting job ``x`` before ``seq[pos]``; None if infeasible or not
        below ``bound``; ``...`` (Ellipsis) when ``x`` cannot be reached in time after the job
        before ``pos``, nor then at any later position (task ends only grow along a route).
        Capacity, skills and task counts are the caller's."""
        d, v, seq = self.d, self.v, self.seq
        mf, size, loc = d.mf, d.size, d.loc
        p, q, t, here = self._around(pos, pos)
        n = len(seq)
        lx = loc[x]
        there = loc[seq[q]] if q < n else v.end
        d_in = mf[here * size + lx]
        d_out = mf[lx * size + there]
        # An empty route is not driven at all (the vehicle stays home), not start → end.
        d_old = mf[here * size + there] if self.njobs else 0
        if t + d_in > d.last_end[x]:
            return ...
        extra = d_in + d_out - d_old
        if extra >= bound:
            return None
        if v.max_travel is not None and self.travel + extra > v.max_travel:
            return None
        t = task_end(
            d, [v.breaks[-1 - b] for b in seq[p + 1 : pos]] if pos - p > 1 else None, t, here, x
        )
        if t == NONE:
            return None
        pending = [v.breaks[-1 - b] for b in seq[pos:q]] if q > pos else None
        return extra if self._on_time(q, lx, t, d_out, pending) else None

    def _around(self, a: int, b: int):
        """The last job before position ``a`` and the first at or after ``b`` (positions; -1
        and len(seq) for the start and the end), when the vehicle is free after the first and
        where it then is."""
        seq = self.seq
        p = a - 1
        while p >= 0 and seq[p] < 0:
            p -= 1
        q, n = b, len(seq)
        while q < n and seq[q] < 0:
            q += 1
        if p >= 0:
            return p, q, self.tend[p], self.d.loc[seq[p]]
        return p, q, self.v.leave, self.v.start

    def _on_time(self, q: int, here: int, t: int, drive: int, pending) -> bool:
        """Whether, leaving place ``here`` at ``t`` with ``drive`` seconds to go to ``seq[q]``
        (the end when ``q`` is past the last item) and the ``pending`` breaks to take on the
        way, the vehicle arrives by the latest arrival that keeps the rest of the route."""
        if pending:
            t, drive = take_breaks(pending, t, drive)
            if t == NONE:
                return False
        seq = self.seq
        if q < len(seq):
            limit = self.lan[q] if self.d.loc[seq[q]] == here else self.las[q]
        else:
            limit = self.la_end
        return t + drive <= limit

    def replace(self, a: int, b: int, items: list[int]):
        """Extra travel of replacing ``seq[a:b]`` with ``items`` (jobs, and breaks of this
        route), or None if the route would not time or would drive more than its maximum.
        Only the stretch between the jobs on either side is timed (against the backward
        values after it), so this is O(stretch). The new route must still serve a job;
        capacity, skills and task counts are the caller's.

        :meth:`insertion` is the special case of one job into an empty stretch, written out
        apart because the search calls it a hundred times more often."""
        d, v, seq = self.d, self.v, self.seq
        mf, size, loc = d.mf, d.size, d.loc
        p, q, t, here = self._around(a, b)
        n = len(seq)
        there = loc[seq[q]] if q < n else v.end
        old, at = 0, here
        for x in seq[p + 1 : q]:
            if x >= 0:
                old += mf[at * size + loc[x]]
                at = loc[x]
        if self.njobs:
            old += mf[at * size + there]
        new, pending = 0, []
        for x in seq[p + 1 : a] + items + seq[b:q]:
            if x < 0:
                pending.append(v.breaks[-1 - x])
                continue
            new += mf[here * size + loc[x]]
            t = task_end(d, pending, t, here, x)
            if t == NONE:
                return None
            pending = []
            here = loc[x]
        drive = mf[here * size + there]
        new += drive
        if not self._on_time(q, here, t, drive, pending):
            return None
        extra = new - old
        if v.max_travel is not None and self.travel + extra > v.max_travel:
            return None
        return extra


#: An empty gap table and one gap of zeros (see :meth:`Route._gaps`).
_EMPTY = array("q")
_GAP0 = array("q", [0] * GAP)

#: What a route's :meth:`Route.update` computes from its sequence: every slot but the sequence
#: itself and what the route is (its data, vehicle number and vehicle).
_STATE = tuple(a for a in Route.__slots__ if a not in ("seq", "d", "k", "v", "kept"))
