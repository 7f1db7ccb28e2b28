"""Timing steps on the flat problem (:mod:`fastdata`), as :mod:`timeline` times a route.

A step takes breaks on the way (the wait before a break is spent driving), ends a task (setup
skipped after a job at the same place), or finds the latest arrival or departure that still
keeps what follows. :class:`fastroute.Route` builds its forward and backward values from them.
"""

from __future__ import annotations

from .fastdata import NEG, NONE, Data


def take_breaks(breaks, t: int, rest: int):
    """Take ``breaks`` (in order) from time ``t`` with ``rest`` seconds of driving still to do:
    the waiting before a break is spent driving. Returns (t, rest) after them; t is
    :data:`NONE` when a break cannot be taken."""
    for wins, service in breaks:
        for a, b in wins:
            begin = t if t > a else a
            if begin <= b:
                break
        else:
            return NONE, rest
        driven = begin - t
        rest = rest - driven if driven < rest else 0
        t = begin + service
    return t, rest


def task_end(d: Data, pending, t: int, here: int, x: int):
    """When job ``x``'s task ends, driving from place ``here`` free at ``t`` and taking the
    ``pending`` breaks on the way (setup skipped at the same place); :data:`NONE` if it cannot
    start in one of its windows. The one timing step of :meth:`Route.update` and
    :meth:`Route.replace`."""
    lx = d.loc[x]
    drive = d.mf[here * d.size + lx]
    if pending:
        t, drive = take_breaks(pending, t, drive)
        if t == NONE:
            return NONE
    arrival = t + drive
    for a, b in d.wins[x]:
        begin = arrival if arrival > a else a
        if begin <= b:
            return begin + (0 if here == lx else d.setup[x]) + d.serv[x]
    return NONE


def latest_arrival(wins, latest_start: int) -> int:
    """Latest arrival from which the task can start by ``latest_start`` (NEG: none)."""
    best = NEG
    for a, b in wins:
        top = b if b < latest_start else latest_start
        if a <= top and top > best:
            best = top
    return best


def latest_departure(breaks, drive: int, target: int) -> int:
    """Latest task end from which ``breaks`` then ``drive`` arrive by ``target`` (monotone:
    found by bisection; NEG when none)."""
    if len(breaks) == 1:
        # One break (the usual lunch): from t, arrival = max(begin, t + drive) + service with
        # begin = max(t, window start), so window (a, b) allows any t up to
        # min(b, target - service - drive) provided a + service <= target.
        wins, service = breaks[0]
        best = NEG
        for a, b in wins:
            if a + service <= target:
                top = target - service - drive
                top = b if b < top else top
                if top > best:
                    best = top
        return best
    hi = target
    if arrives_by(breaks, hi, drive, target):
        return hi
    lo = -(2**40)
    if not arrives_by(breaks, lo, drive, target):
        return NEG
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if arrives_by(breaks, mid, drive, target):
            lo = mid
        else:
            hi = mid
    return lo


def arrives_by(breaks, t: int, drive: int, target: int) -> bool:
    """Whether, free at ``t``, the ``breaks`` then ``drive`` arrive by ``target``."""
    end, rest = take_breaks(breaks, t, drive)
    return end != NONE and end + rest <= target
