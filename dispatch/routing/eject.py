"""Ejections: a left-out job takes the place of one or two served jobs worth less.

Ruin-and-recreate (:mod:`lns`) never accepts a plan that serves less priority, so on an
over-subscribed day it rarely trades a served job for a better left-out one: the trade needs
the served job taken out (a loss, rejected) and the other put in its place in the same move.
This descent makes exactly those trades, as VROOM's "priority replace" and "unassigned
exchange" operators do in spirit:

* for every left-out job, highest priority first, and every route that may take it: replace one
  served job, or two consecutive ones, whose priority is lower in sum (or equal, for one job,
  when the trade shortens the route) with the left-out job, in the place they leave;
* the best trade for that job is made, then the ejected jobs are offered every route again
  (they may fit elsewhere, which is then a pure gain).

Each trade is checked in O(stretch) on the route's forward and backward values
(:meth:`fastroute.Route.replace`), so a whole pass over a 300-job day takes some tens of
milliseconds. Pinned jobs are never ejected. Where the problem has soft costs (preferred
technicians, deadlines), only trades that gain priority are made: an even trade is judged on
travel alone here.
"""

from __future__ import annotations

import time

__all__ = ["polish"]


def polish(search, deadline: float) -> int:
    """Make improving trades on ``search`` (an :class:`lns.Search`) until none is left or
    ``deadline``; the number made. The plan only gets better in the lexicographic objective."""
    made = 0
    d = search.d
    while True:
        before = made
        for u in sorted(search.out, key=lambda j: (-d.prio[j], j)):
            if time.monotonic() >= deadline:
                return made
            if u not in search.out or u in d.pinned:
                continue
            trade = _best_trade(search, u)
            if trade is not None:
                _make(search, u, *trade)
                made += 1
        if made == before:
            return made


def _best_trade(search, u: int):
    """(route, a, b, items, ejected) of the best trade that puts ``u`` in, or None."""
    d = search.d
    pu = d.prio[u]
    # An even trade is made for the travel it saves; with soft costs (field-work rules) that
    # is not the whole cost, so only trades that gain priority are made.
    even = search.rules is None or not search.rules.soft
    need = [(c, x) for c, x in enumerate(d.dem[u]) if x]
    best_key, best = (0, 0, 0), None
    for k in search.allowed[u]:
        r = search.routes[k]
        if not r.njobs:
            continue  # an empty route was offered to u by the recreate already
        seq = r.seq
        idx = [i for i, x in enumerate(seq) if x >= 0]
        for span in (1, 2):
            for st in range(len(idx) - span + 1):
                gone = [seq[i] for i in idx[st : st + span]]
                pe = sum(d.prio[y] for y in gone)
                # Lexicographic: priority gained, then jobs served, then travel saved.
                if (
                    pe > pu
                    or (pe == pu and (span > 1 or not even))
                    or any(y in d.pinned for y in gone)
                ):
                    continue
                # (A job without amounts has an empty tuple: it frees nothing.)
                if need and any(
                    x > r.room[c] + sum(d.dem[y][c] for y in gone if c < len(d.dem[y]))
                    for c, x in need
                ):
                    continue
                a, b = idx[st], idx[st + span - 1] + 1
                inner = [x for x in seq[a:b] if x < 0]
                for items in ([u] + inner, inner + [u]) if inner else ([u],):
                    extra = r.replace(a, b, items)
                    if extra is None:
                        continue
                    key = (pu - pe, 1 - span, -extra)
                    if key > best_key:
                        best_key, best = key, (k, a, b, items, gone)
    return best


def _make(search, u: int, k: int, a: int, b: int, items: list[int], gone: list[int]) -> None:
    r = search.routes[k]
    old = r.seq
    r.seq = old[:a] + items + old[b:]
    if not r.update():  # cannot happen when replace() said yes; keep the plan valid
        r.seq = old
        r.update()
        return
    search.out.discard(u)
    search.route_of[u] = k
    for y in gone:
        del search.route_of[y]
        search.out.add(y)
    for y in sorted(gone, key=lambda j: -search.d.prio[j]):
        found = search.best_insertion(y, 0.0)
        if found is not None:
            search.insert(y, found[1], found[2])
