"""A repair phase after the OR-Tools search: bring in left-out jobs, priority first.

OR-Tools' local search moves one or two nodes at a time under its (safe, slightly pessimistic)
model. This phase works on the exact timeline instead (setup skipped between jobs at the same
place, breaks wherever they fit) and tries, for each unassigned job from the highest priority
down:

1. to insert it where it adds the least travel;
2. failing that, to make room by taking out one job of lower priority from a route, then to
   re-insert the job taken out anywhere else if it fits;

then, until the deadline, ruin and recreate: take out a few neighbouring jobs and put them and
nearby left-out jobs back, highest priority first.

No accepted change makes the lexicographic objective (priority served, jobs served, travel)
worse. Pinned jobs are left where they are. Pure Python, bounded by a deadline.
"""
from __future__ import annotations

import random
import time

from .assemble import Plan
from .model import Break, Job, Problem, Vehicle
from .timeline import Infeasible, build_route

#: Positions tried per route for an insertion, the cheapest by detour first.
POSITIONS = 4
#: Routes tried for an insertion: those passing closest to the job.
ROUTES = 8
#: Most jobs removed at once by the ruin-and-recreate moves.
RUIN_MAX = 12


def _travel(problem: Problem, vehicle: Vehicle, items: list[Job | Break]) -> int | None:
    try:
        return build_route(problem, vehicle, items).duration
    except Infeasible:
        return None


def _detour(m, vehicle: Vehicle, items: list[Job | Break], job: Job, pos: int) -> int:
    """Estimated extra travel of inserting ``job`` before ``items[pos]`` (breaks skipped)."""
    before = next((x.location_index for x in reversed(items[:pos]) if isinstance(x, Job)),
                  vehicle.start_index)
    after = next((x.location_index for x in items[pos:] if isinstance(x, Job)), vehicle.end_index)
    loc = job.location_index
    d_in = m[before][loc] if before is not None else 0
    d_out = m[loc][after] if after is not None else 0
    direct = m[before][after] if before is not None and after is not None else 0
    return d_in + d_out - direct


class Repair:
    """State of the repair: the routes as lists of jobs and breaks, and their travel."""

    def __init__(self, problem: Problem, plan: Plan, allowed: list[list[int]]) -> None:
        self.p = problem
        self.allowed = allowed
        self.items: list[list[Job | Break]] = []
        for k, items in enumerate(plan):
            v = problem.vehicles[k]
            objs = [problem.jobs[i] if kind == "job" else v.breaks[i] for kind, i in items]
            taken = {i for kind, i in items if kind == "break"}
            objs += [b for i, b in enumerate(v.breaks) if i not in taken]
            self.items.append(objs)
        self.cost = [(_travel(problem, problem.vehicles[k], its) or 0) if
                     any(isinstance(x, Job) for x in its) else 0
                     for k, its in enumerate(self.items)]
        served = {x.id for its in self.items for x in its if isinstance(x, Job)}
        self.position = {j.id: i for i, j in enumerate(problem.jobs)}
        # Pinned jobs keep the place the search gave them (their order is the dispatcher's).
        self.pinned = {p.id for v in problem.vehicles for p in v.steps if p.type == "job"}
        self.out = [j for j in problem.jobs if j.id not in served and j.id not in self.pinned
                    and allowed[self.position[j.id]]]
        self.allowed_set = [set(a) for a in allowed]

    def best_insertion(self, job: Job, k: int, items: list[Job | Break]):
        """(extra travel, new items) of the best insertion of ``job`` in route ``k``."""
        v = self.p.vehicles[k]
        m = self.p.durations
        base = self.cost[k] if items is self.items[k] else _travel(self.p, v, items)
        if base is None:
            return None
        if not any(isinstance(x, Job) for x in items):
            base = 0
        order = sorted(range(len(items) + 1), key=lambda pos: _detour(m, v, items, job, pos))
        for pos in order[:POSITIONS]:
            trial = items[:pos] + [job] + items[pos:]
            travel = _travel(self.p, v, trial)
            if travel is not None:
                return travel - base, trial
        return None

    def _closest_routes(self, job: Job) -> list[int]:
        """The allowed vehicles whose route (or start) passes closest to ``job``."""
        allowed = self.allowed[self.position[job.id]]
        if len(allowed) <= ROUTES:
            return allowed
        m, loc = self.p.durations, job.location_index

        def gap(k: int) -> int:
            v = self.p.vehicles[k]
            places = [x.location_index for x in self.items[k] if isinstance(x, Job)]
            places += [p for p in (v.start_index, v.end_index) if p is not None]
            return min((min(m[p][loc], m[loc][p]) for p in places), default=0)

        return sorted(allowed, key=gap)[:ROUTES]

    def insert(self, job: Job) -> bool:
        best = None
        for k in self._closest_routes(job):
            found = self.best_insertion(job, k, self.items[k])
            if found is not None and (best is None or found[0] < best[0]):
                best = (found[0], k, found[1])
        if best is None:
            return False
        _, k, trial = best
        self.items[k] = trial
        self.cost[k] = _travel(self.p, self.p.vehicles[k], trial) or 0
        return True

    def replace(self, job: Job) -> bool:
        """Take out one lower-priority job to fit ``job``; keep the best gain."""
        best = None
        for k in self._closest_routes(job):
            for r in [x for x in self.items[k] if isinstance(x, Job)]:
                if r.priority >= job.priority or r.id in self.pinned:
                    continue
                rest = [x for x in self.items[k] if x is not r]
                found = self.best_insertion(job, k, rest)
                if found is None:
                    continue
                key = (job.priority - r.priority, -found[0])
                if best is None or key > best[0]:
                    best = (key, k, r, found[1])
        if best is None:
            return False
        _, k, removed, trial = best
        self.items[k] = trial
        self.cost[k] = _travel(self.p, self.p.vehicles[k], trial) or 0
        if not self.insert(removed):
            self.out.append(removed)
        return True

    def run(self, deadline: float) -> None:
        progress = True
        while progress and time.monotonic() < deadline:
            progress = False
            for job in sorted(self.out, key=lambda j: (-j.priority, j.service)):
                if time.monotonic() >= deadline:
                    return
                if self.insert(job) or self.replace(job):
                    self.out.remove(job)
                    progress = True

    # -- ruin and recreate ------------------------------------------------------------------
    def score(self) -> tuple[int, int, int]:
        served = [x for its in self.items for x in its if isinstance(x, Job)]
        return sum(j.priority for j in served), len(served), -sum(self.cost)

    def _nearest(self, seed: Job, pool: list[Job], count: int) -> list[Job]:
        m = self.p.durations
        return sorted(pool, key=lambda j: m[seed.location_index][j.location_index])[:count]

    def lns(self, deadline: float, rng: random.Random) -> None:
        """Remove a few neighbouring jobs (a spatial string across routes), then re-insert
        them and nearby left-out jobs, highest priority first, only in the routes touched.
        A result is kept when it is no worse for (priority, served, travel)."""
        current = self.score()
        while time.monotonic() < deadline:
            served = [(k, x) for k, its in enumerate(self.items) for x in its
                      if isinstance(x, Job) and x.id not in self.pinned]
            if not served:
                return
            _, seed = rng.choice(served)
            ruined = self._nearest(seed, [x for _, x in served], rng.randint(3, RUIN_MAX))
            gone = {id(x) for x in ruined}
            routes = sorted({k for k, x in served if id(x) in gone})
            saved = [(k, self.items[k], self.cost[k]) for k in routes]
            saved_out = list(self.out)
            for k in routes:
                self.items[k] = [x for x in self.items[k] if id(x) not in gone]
                self.cost[k] = _travel(self.p, self.p.vehicles[k], self.items[k]) or 0
            near_out = self._nearest(seed, self.out, RUIN_MAX)
            pool = ruined + near_out
            rng.shuffle(pool)
            pool.sort(key=lambda j: -j.priority)
            left = []
            for job in pool:
                best = None
                for k in routes:
                    if k not in self.allowed_set[self.position[job.id]]:
                        continue
                    found = self.best_insertion(job, k, self.items[k])
                    if found is not None and (best is None or found[0] < best[0]):
                        best = (found[0], k, found[1])
                if best is None:
                    left.append(job)
                    continue
                _, k, trial = best
                self.items[k] = trial
                self.cost[k] = _travel(self.p, self.p.vehicles[k], trial) or 0
            self.out = [j for j in self.out if j not in near_out] + [
                j for j in left]
            self.out = list({j.id: j for j in self.out}.values())
            score = self.score()
            if score >= current:
                current = score
            else:
                for k, items, cost in saved:
                    self.items[k], self.cost[k] = items, cost
                self.out = saved_out

    def plan(self) -> Plan:
        out: Plan = []
        for k, items in enumerate(self.items):
            v = self.p.vehicles[k]
            brk = {id(b): i for i, b in enumerate(v.breaks)}
            out.append([("job", self.position[x.id]) if isinstance(x, Job)
                        else ("break", brk[id(x)]) for x in items])
        return out


def repair(problem: Problem, plan: Plan, allowed: list[list[int]], deadline: float,
           seed: int = 0) -> Plan:
    """The plan after the repair phase (see the module docstring)."""
    state = Repair(problem, plan, allowed)
    state.run(deadline)
    state.lns(deadline, random.Random(seed))
    state.run(deadline)
    return state.plan()
