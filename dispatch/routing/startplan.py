"""The search's first routes: a start plan (or none) as :class:`fastroute.Route` objects.

A start plan may come from another search or from the dispatcher's board; the search then only
needs it to time. Pinned jobs keep their vehicle's pinned order (:func:`pinned_order`): where a
start plan holds them out of order or on another vehicle they are taken out, and the search's
first recreate puts them back where they belong. A route that does not time keeps only its
breaks; a vehicle whose breaks do not fit either stays home.
"""

from __future__ import annotations

from .fastdata import Data
from .fastroute import Route
from .model import Problem


def pinned_order(problem: Problem) -> tuple[dict, dict]:
    """Per pinned job (its position in ``problem.jobs``): its rank and its vehicle's chain of
    pinned jobs, ``{job: (rank, chain)}``; and its vehicle, ``{job: vehicle}``."""
    ids = {j.id: i for i, j in enumerate(problem.jobs)}
    rank, owner = {}, {}
    for k, v in enumerate(problem.vehicles):
        chain = [ids[p.id] for p in v.steps if p.type == "job" and p.id in ids]
        rank.update({x: (i, chain) for i, x in enumerate(chain)})
        owner.update({x: k for x in chain})
    return rank, owner


def start_routes(problem: Problem, d: Data, plan, pin_rank: dict, owner: dict) -> list[Route]:
    """One timed route per vehicle from ``plan`` (per vehicle, its ``("job", j)`` and
    ``("break", b)`` items; vehicles past its end start empty), every break of a vehicle
    in its route."""
    routes = []
    for k, items in enumerate(plan):
        seq = [j if kind == "job" else -1 - j for kind, j in items]
        ranks = [pin_rank[x][0] for x in seq if x in pin_rank]
        if any(owner[x] != k for x in seq if x in owner) or ranks != sorted(ranks):
            seq = [x for x in seq if x not in owner]
        taken = {j for kind, j in items if kind == "break"}
        seq += [-1 - b for b in range(len(problem.vehicles[k].breaks)) if b not in taken]
        route = Route(d, k, seq)
        if not route.update():
            route.seq = [x for x in seq if x < 0]
            if not route.update():  # not even its breaks fit: the vehicle stays home
                route.dead()
        routes.append(route)
    for k, v in enumerate(problem.vehicles):
        if k >= len(plan):
            route = Route(d, k, [-1 - b for b in range(len(v.breaks))])
            if not route.update():
                route.dead()
            routes.append(route)
    return routes
