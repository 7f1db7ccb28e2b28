"""Our own ruin-and-recreate search on the exact timeline (:mod:`fastroute`).

OR-Tools' local search evaluates about 30,000 moves a second on a field day and charges the
setup between two jobs at the same place (its model cannot skip it). This search works on the
published timing instead and is built around one move, repeated until the deadline
(Christiaens & Vanden Berghe's SISR, as VROOM and PyVRP use in spirit):

* ruin: pick a random job, then remove strings (consecutive jobs) from the routes passing
  nearest to it, up to about ``avg_removed`` jobs;
* recreate: put the removed jobs, and the left-out jobs near the ruined area, back where they
  add the least travel, highest priority first (ties in a random order of a few kinds), each
  position skipped with a small "blink" probability so that repeated recreations differ;
* accept by simulated annealing (:mod:`annealing`) on travel plus, for every job left out, a
  penalty far above any travel (:mod:`penalty`: priority first, then the count, the
  lexicographic objective), so a plan that serves less priority is never accepted, and the
  best plan seen is kept. Where jobs are still left out after a share of the run, the search
  may accept on a milder penalty with a slower cooling instead (:class:`penalty.Penalty`);
* stop at the deadline, or once converged: a whole cycle of moves (the caller's, in proportion
  to the problem), cooling from hot to cold, found no better plan; a cycle that did is followed
  by another from the best plan (:mod:`stopping`).

On days where jobs are left out, a share of the ruins (``eject_seed``) takes out, instead, the
served jobs nearest a left-out job that are worth less than it, so that the recreate tries it
first in the room they leave: the trades of :mod:`eject`, but with whole groups of jobs
(measured within the run-to-run noise: docs/benchmarks.md, "What was tried").

Pinned jobs are never removed (their order is the dispatcher's); other jobs may be inserted
between them.

The field-work rules (:mod:`fieldrules`) enter in three places. Their soft costs (preferred
technicians, lateness, overtime, and the balance of working time between the technicians) are
added to travel in every comparison of plans, and a preference to the detours the recreate
ranks its insertions by; where lateness or overtime cost something, the first feasible
insertions are weighed with what they change in them (with overtime costs or a balance weight,
except in one recreate in five: :data:`BLIND`). The balance belongs to the whole plan, not to
a route: it is evaluated on the whole plan where plans are compared (the acceptance and the
best plan), and weighs on the insertions only once the plan serves every job it can. A job
that depends on others is inserted only where they are served, its windows cut from the time
it may start (:meth:`_release`), after them in the recreate's order; after every recreate, a
job whose predecessor moved later or left is taken out (:meth:`_enforce`), so that the search
only ever compares plans that keep every dependency. Ejections (:mod:`eject`) do not know
dependencies and are left out where there are some.
"""

from __future__ import annotations

import random
import time
from array import array
from heapq import heapify, heappop, nsmallest

from .annealing import Annealing
from .eject import polish
from .fastdata import Data, unpack
from .fieldrules import balance_cost, cut_windows, rules_of
from .model import Problem
from .penalty import Penalty
from .startplan import pinned_order, start_routes
from .stopping import Stopping

#: Trades (:mod:`eject`) on a new best at most once per this share of the run, and for at
#: most this last share of the time on the final plan.
POLISH_EVERY = 0.05
POLISH_LAST = 0.01

#: Feasible insertions weighed with the lateness they cause, per job inserted, on problems with
#: deadlines (:meth:`Search.best_insertion`): each costs two timings of the route. Measured
#: roughly (2026-12-07, seeds 1 and 10 of the field bench with a deadline on every other job,
#: 1 s): 12 made half the moves of 4 for no better plan; 1 (the cheapest detour only, blind to
#: lateness) misses plans where a job due early must go first.
LATE_TRIES = 4

#: On problems with overtime costs or a balance weight, the share of the recreates that rank
#: insertions by their detour alone instead of weighing their soft costs: a greedy recreate
#: that always weighs them fills a technician with a job whose cheapest place costs a little
#: overtime elsewhere, and never makes the room a further job needed there (found by the
#: property tests on tiny problems: a job left out that the optimum serves). Not where only
#: deadlines are weighed: on field days with a deadline on every other job (seeds 1, 4, 10 at
#: 1 s, two runs each, 2026-12-08) it served no more and 4 to 10 priority points less on
#: seed 1, within the noise elsewhere.
BLIND = 0.2

#: Neighbours kept per job (by travel time) for the ruin and for choosing left-out jobs.
NEIGHBOURS = 40


class Search:
    """The routes (:class:`fastroute.Route`), the jobs left out and their penalty
    (:attr:`penalty`); see the module docstring. ``avg_removed``/``max_string``: SISR's
    average ruin size and longest string; ``t_scale``: the initial temperature in average arcs
    of the first plan (it cools 100-fold until the end of the run, :mod:`annealing`); ``soft``:
    accept on a milder penalty for left-out jobs (in average arcs per priority point), from the
    ``soft_after`` share of the run on, if the best plan still leaves jobs out, and then cool
    only ``cool``-fold (:mod:`penalty`); ``out_seed``: how often a ruin starts at a left-out
    job; ``eject_seed``: how often the ruin is an ejection instead (:meth:`_eject_ruin`), when
    jobs are left out."""

    def __init__(
        self,
        problem: Problem,
        plan,
        allowed: list[list[int]],
        seed: int = 0,
        avg_removed: int = 10,
        max_string: int = 10,
        t_scale: float = 1.0,
        soft: float | None = None,
        soft_after: float = 0.0,
        cool: float = 100.0,
        out_seed: float = 0.0,
        near_out: int = NEIGHBOURS,
        eject_seed: float = 0.0,
    ) -> None:
        self.p = problem
        self.d = d = Data(problem)
        self.rng = random.Random(seed)
        self.avg_removed = avg_removed
        self.max_string = max_string
        self.t_scale = t_scale
        self.cool = cool
        self.out_seed = out_seed
        self.near_out = near_out
        self.eject_seed = eject_seed
        self.allowed = [[k for k in a if d.vehicles[k].ok] for a in allowed]
        self.rules = rules = rules_of(problem)
        # The jobs that wait for others, and their own windows (cut on each insertion).
        self.dependent = []
        self.base_wins = list(d.wins)
        self._soft_of = {}
        if rules is not None:
            # Penalties for left-out jobs above any travel *and soft cost* (lexicographic).
            d.travel_bound += rules.soft_bound
            self.dependent = [j for j, pr in enumerate(rules.preds) if pr]
        # Pinned jobs: their vehicle's pinned order (job positions), to insert them in order.
        self.pin_rank, owner = pinned_order(problem)
        self.routes = start_routes(problem, d, plan, self.pin_rank, owner)
        self.route_of = {x: r.k for r in self.routes for x in r.seq if x >= 0}
        self.out = {j for j, a in enumerate(self.allowed) if a and j not in self.route_of}
        self.penalty = Penalty(d, len(problem.jobs), soft, soft_after)
        self._near: dict[int, list[int]] = {}
        # Per job and vehicle (at job × vehicles + vehicle): the version of the route that the
        # job last did not fit, -1 when none (see best_insertion; never a hash in CPython). C
        # integers in the compiled build (a dict per job cost a tenth of the search's time):
        # 8 bytes per job and vehicle, 480 kB for 1,000 jobs and 60 technicians.
        self.nveh = len(problem.vehicles)
        self.failed = array("q", [-1]) * (len(problem.jobs) * self.nveh)
        self._servable = [i for i, a in enumerate(self.allowed) if a]
        # The recreate's orders as sort keys per job (a key function would be a Python call
        # per job): the tie-breaking ones (largest demand, longest service, tightest windows
        # first), and priority, highest first.
        self._ties = [
            [-sum(dem) for dem in d.dem],
            [-s for s in d.serv],
            [w[-1][1] - w[0][0] if w else 0 for w in d.wins],
        ]
        self._by_priority = [-p for p in d.prio]
        # Whether insertions are weighed with their lateness and overtime (timed), and with
        # the balance (balanced: only once the plan serves every job it can, see run); whether
        # this recreate weighs them at all (weigh), and whether some recreates do not (blind,
        # see BLIND).
        self.timed = rules is not None and rules.timed
        self.balanced = False
        self.weigh = rules is not None and (rules.timed or rules.balance > 0)
        self.blind = (
            self.weigh
            and BLIND > 0
            and (rules.balance > 0 or any([o is not None for o in rules.overtime]))
        )

    def near(self, j: int) -> list[int]:
        """The jobs nearest to ``j`` (either way), computed on first use: a ruin asks for few
        seeds, and all of them at once would be O(jobs²) before the search even starts."""
        got = self._near.get(j)
        if got is None:
            mf, size, loc, lj = self.d.mf, self.d.size, self.d.loc, self.d.loc[j]
            got = [
                i
                for _, i in nsmallest(
                    NEIGHBOURS,
                    (
                        (min(mf[lj * size + loc[i]], mf[loc[i] * size + lj]), i)
                        for i in self._servable
                        if i != j
                    ),
                )
            ]
            self._near[j] = got
        return got

    def travel(self):
        """The plan's travel (an empty route is not driven)."""
        travel = 0
        for r in self.routes:
            if r.njobs:
                travel += r.travel
        return travel

    def soft(self):
        """The plan's soft cost (:mod:`fieldrules`; 0 without): each route's, and the
        balance of the working time between the technicians."""
        rules = self.rules
        if rules is None or not rules.soft:
            return 0
        total = 0
        for r in self.routes:
            if r.njobs:
                total += self._route_costs(r)[1]
        if rules.balance:
            total += balance_cost(rules.balance, self._works())
        return total

    def _route_costs(self, r) -> tuple:
        """(task ends, soft cost, working time) of route ``r`` (:meth:`fieldrules.Rules.
        route_soft`, :meth:`~fieldrules.Rules.route_work`), kept with the timing they were
        computed on: every update builds a new list of task ends, so an unchanged list means
        unchanged costs."""
        got = self._soft_of.get(r.k)
        if got is None or got[0] is not r.tend:
            rules = self.rules
            got = (
                r.tend,
                rules.route_soft(r.k, r.seq, r.tend, r.finish),
                rules.route_work(r.k, r.seq, r.travel) if rules.balance else 0,
            )
            self._soft_of[r.k] = got
        return got

    def _works(self) -> list:
        """Every technician's working time in the plan (0 without a route)."""
        return [self._route_costs(r)[2] if r.njobs else 0 for r in self.routes]

    def costs(self) -> tuple:
        """The plan's cost (travel and soft cost) with the penalty the search accepts on now
        and with the strict one (:meth:`penalty.Penalty.costs`)."""
        return self.penalty.costs(self.travel() + self.soft(), self.out)

    def cost(self):
        """The plan's cost with the strict penalty: what makes a plan better than another."""
        return self.costs()[1]

    # -- recreate -----------------------------------------------------------------------------
    def best_insertion(self, x: int, blink: float):
        """(extra travel, route, position) of the cheapest feasible insertion of ``x``.

        The detour of every gap of every allowed route comes first
        (:meth:`fastroute.Route.candidates`); then the gaps are timed cheapest first and the
        first feasible one wins, so most gaps are never timed. A gap is skipped at once when
        ``x`` could not be reached before its last window closes; each gap is skipped at random
        with probability ``blink`` (SISR's blinks: repeated recreations differ)."""
        d = self.d
        allowed = self.allowed[x]
        waits = bool(self.dependent) and bool(self.rules.preds[x])
        if waits:
            allowed = self._release(x)
        # On a route with a job it depends on, or one that depends on it, x goes after the
        # first and before the second.
        order = self._order_bounds(x) if self.dependent else None
        prefer = self.rules is not None and self.rules.pref[x] is not None
        dem = d.dem[x]
        lx, limit = d.loc[x], d.last_end[x]
        first = d.wins[x][0][0] if d.wins[x] else 0
        service = d.serv[x]
        pinned = x in self.pin_rank
        need = [(c, a) for c, a in enumerate(dem) if a] if dem else None
        cands = []
        failed = self.failed
        row = x * self.nveh
        for k in allowed:
            r = self.routes[k]
            if r.slack < service or (failed[row + k] == r.version and not waits):
                continue  # no gap long enough, or x did not fit last time and nothing changed
            v = r.v
            if v.max_tasks is not None and r.njobs >= v.max_tasks:
                continue
            if need and not _room_for(r.room, need):
                continue
            if prefer:
                # The preference cost is added to the detour of each of the route's gaps.
                n0 = len(cands)
                r.candidates(lx, limit, first, service, cands)
                extra = self.rules.pref_cost(x, k) << (d.gap_bits + d.route_bits)
                for i in range(n0, len(cands)):
                    cands[i] += extra
            else:
                r.candidates(lx, limit, first, service, cands)
        heapify(cands)  # cheapest first, and most are never looked at
        rnd = self.rng.random
        timed = self.weigh and (self.timed or self.balanced)
        best, tried = None, 0
        while cands:
            key = heappop(cands)
            if blink and rnd() < blink:
                continue
            k, g = unpack(d, key)
            r = self.routes[k]
            lo, hi = r.span(g)
            if pinned:
                p_lo, p_hi = self._pinned_range(x, r.seq)
                lo, hi = max(lo, p_lo), min(hi, p_hi)
            if order and k in order:
                o_lo, o_hi = order[k]
                lo, hi = max(lo, o_lo), min(hi, o_hi)
            for pos in range(lo, hi + 1):
                got = r.insertion(x, pos)
                if got is not None and got is not ...:
                    if not timed:
                        return got, k, pos
                    # Deadlines, overtime, balance: the first feasible insertions, cheapest
                    # detour first, are weighed with the lateness they cause (of x and of what
                    # comes after it), the overtime and the balance.
                    total = got + self._soft_change(r, x, pos, got)
                    if best is None or total < best[0]:
                        best = (total, got, k, pos)
                    tried += 1
                    break
            if timed and tried >= LATE_TRIES:
                break
        if best is not None:
            return best[1], best[2], best[3]
        # Remembered until the route changes. A gap skipped by a blink counts as tried: the
        # job then waits for the route's next change, another kind of the same randomness.
        for k in allowed:
            r = self.routes[k]
            failed[row + k] = r.version
        return None

    def _soft_change(self, r, x: int, pos: int, extra):
        """How much inserting ``x`` before ``seq[pos]`` of route ``r``, which drives ``extra``
        more, changes the plan's soft cost (the route is timed with it, then set back)."""
        rules = self.rules
        late = rules.deadline
        if (
            rules.overtime[r.k] is None
            and late[x] is None
            and not any([y >= 0 and late[y] is not None for y in r.seq[pos:]])
        ):
            change = rules.pref_cost(x, r.k)  # nothing whose timing the insertion could change
        else:
            before = self._route_costs(r)[1] if r.njobs else 0
            state = r.state()
            r.seq.insert(pos, x)
            after = rules.route_soft(r.k, r.seq, r.tend, r.finish) if r.update() else 2**62
            r.set_state(state)
            change = after - before
        if self.balanced:
            works = self._works()
            before = balance_cost(rules.balance, works)
            works[r.k] = rules.route_work(r.k, r.seq[:pos] + [x] + r.seq[pos:], r.travel + extra)
            change += balance_cost(rules.balance, works) - before
        return change

    def _release(self, x: int) -> list[int]:
        """The vehicles that may take ``x`` now that it waits for other jobs (none while one
        is not served), its windows cut from the time it may start (in ``Data.wins``, which
        the routes time it with)."""
        allowed = self.allowed[x]
        release = 0
        for a, delay, same in self.rules.preds[x]:
            k = self.route_of.get(a)
            if k is None:
                return []
            r = self.routes[k]
            end = r.tend[r.seq.index(a)] + delay
            if end > release:
                release = end
            if same:
                allowed = [k] if k in allowed else []
        wins = cut_windows(self.base_wins[x], release)
        if not wins:
            return []
        self.d.wins[x] = wins
        return allowed

    def _pull(self, x: int, blink: float) -> bool:
        """Move one job ``x`` depends on to another vehicle (one ``x`` may have, when they
        must share it) where ``x`` then fits; True when one moved. The recreate puts each job
        where it costs least, which may leave no room for what follows it; a move that does
        not let ``x`` in is undone."""
        for a, _, same in self.rules.preds[x]:
            k = self.route_of.get(a)
            if k is None or a in self.d.pinned:
                continue
            own = self.allowed[a]
            others = [v for v in own if v != k and (not same or v in self.allowed[x])]
            if not others:
                continue
            before = self.snapshot()
            self.allowed[a] = others
            try:
                found = self.best_insertion(a, blink) if self._take_out([a]) else None
            finally:
                self.allowed[a] = own
            if found is not None:
                self.insert(a, found[1], found[2])
                if self.best_insertion(x, blink) is not None:
                    return True
            self.restore(before)
        return False

    def _order_bounds(self, x: int):
        """Per route holding a job ``x`` depends on or one that depends on ``x``: the first
        and last positions where ``x`` may go (None when there is no such route)."""
        rules, route_of = self.rules, self.route_of
        out = None
        for a, _, _ in rules.preds[x]:
            k = route_of.get(a)
            if k is not None:
                out = out or {}
                lo, hi = out.get(k, (0, 2**62))
                out[k] = (max(lo, self.routes[k].seq.index(a) + 1), hi)
        for b in rules.succs[x]:
            k = route_of.get(b)
            if k is not None:
                out = out or {}
                lo, hi = out.get(k, (0, 2**62))
                out[k] = (lo, min(hi, self.routes[k].seq.index(b)))
        return out

    def _task_start(self, r, i: int) -> int:
        """When the task at position ``i`` of route ``r`` starts (setup skipped after a job
        at the same place, as the route is timed)."""
        d, seq = self.d, r.seq
        x = seq[i]
        p = i - 1
        while p >= 0 and seq[p] < 0:
            p -= 1
        here = d.loc[seq[p]] if p >= 0 else r.v.start
        return r.tend[i] - d.serv[x] - (0 if here == d.loc[x] else d.setup[x])

    def _enforce(self) -> bool:
        """Take out every served job that starts before a job it depends on ends (plus the
        delay), or whose predecessor is not served or not on its vehicle when it must be,
        until none is left; False when a route cannot be timed any more (the caller then
        restores the plan)."""
        route_of, preds, routes = self.route_of, self.rules.preds, self.routes
        while True:
            bad = []
            for b in self.dependent:
                k = route_of.get(b)
                if k is None:
                    continue
                r = routes[k]
                start = -1
                for a, delay, same in preds[b]:
                    ka = route_of.get(a)
                    if ka is None or same and ka != k:
                        bad.append(b)
                        break
                    ra = routes[ka]
                    if start < 0:
                        start = self._task_start(r, r.seq.index(b))
                    if start < ra.tend[ra.seq.index(a)] + delay:
                        bad.append(b)
                        break
            if not bad:
                return True
            if not self._take_out(bad):
                return False

    def _pinned_range(self, x: int, seq: list[int]) -> tuple[int, int]:
        """Positions where pinned ``x`` keeps the pinned order with the others served."""
        rank, chain = self.pin_rank[x]
        lo, hi = 0, len(seq)
        for i, y in enumerate(seq):
            if y in self.pin_rank and y != x:
                if chain.index(y) < rank:
                    lo = i + 1
                elif hi == len(seq):
                    hi = i
        return lo, hi

    def insert(self, x: int, k: int, pos: int) -> None:
        r = self.routes[k]
        r.seq.insert(pos, x)
        if not r.update():  # cannot happen when insertion() said yes; keep the plan valid
            del r.seq[pos]
            r.update()
            self.out.add(x)
            return
        self.route_of[x] = k
        self.out.discard(x)

    def recreate(self, pool: list[int], blink: float, deadline: float | None = None) -> None:
        """Insert the ``pool`` jobs one by one where each adds least travel: highest priority
        first, ties in one of four orders drawn at random (random, largest demand, longest
        service, tightest windows first: SISR's idea of varying the order)."""
        rng = self.rng
        if self.blind:
            self.weigh = blink == 0.0 or rng.random() >= BLIND  # the first recreate weighs
        kind = rng.randrange(4)
        if kind == 0:
            rng.shuffle(pool)
        else:
            pool.sort(key=self._ties[kind - 1].__getitem__)
        pool.sort(key=self._by_priority.__getitem__)  # stable: priority first, the kind breaks ties
        waiting = []
        for n, x in enumerate(pool):
            if deadline is not None and n % 64 == 0 and time.monotonic() >= deadline:
                return  # a very large day: the rest stays out rather than the answer late
            found = self.best_insertion(x, blink)
            if found is not None:
                self.insert(x, found[1], found[2])
            elif self.dependent and self.rules.preds[x]:
                waiting.append(x)
        # A job that waits for another may fit once that one is in: again, while any does.
        while waiting:
            still = []
            for x in waiting:
                found = self.best_insertion(x, blink)
                if found is None and self._pull(x, blink):
                    found = self.best_insertion(x, blink)
                if found is not None:
                    self.insert(x, found[1], found[2])
                else:
                    still.append(x)
            if len(still) == len(waiting):
                return
            waiting = still

    # -- ruin ---------------------------------------------------------------------------------
    def ruin(self) -> list[int] | None:
        """Remove strings near a random job; the removed jobs and the left-out neighbours,
        or None when a route cannot be timed any more (a non-metric matrix)."""
        rng = self.rng
        served = [r for r in self.routes if r.njobs]
        if not served:
            return list(self.out)
        avg_len = sum([r.njobs for r in served]) / len(served)
        l_max = min(self.max_string, avg_len)
        k_max = 4 * self.avg_removed / (1 + l_max) - 1
        strings = int(rng.uniform(1, k_max + 1))
        if self.eject_seed and self.out and rng.random() < self.eject_seed:
            return self._eject_ruin()
        # Now and then the ruin starts from a left-out job, to make room right where it is.
        if self.out and (not self.route_of or rng.random() < self.out_seed):
            seed = rng.choice(list(self.out))
        else:
            seed = rng.choice(list(self.route_of))
        removed, touched = [], set()
        for j in [seed] + self.near(seed):
            if len(touched) >= strings:
                break
            k = self.route_of.get(j)
            if k is None or k in touched or j in self.d.pinned:
                continue
            r = self.routes[k]
            idx = [i for i, x in enumerate(r.seq) if x >= 0]
            movable = [i for i in idx if r.seq[i] not in self.d.pinned]
            length = int(rng.uniform(1, min(len(movable), l_max) + 1))
            where = idx.index(r.seq.index(j))
            first = max(0, min(where - rng.randrange(length), len(idx) - length))
            touched.add(k)
            removed += {r.seq[i] for i in idx[first : first + length]} - self.d.pinned
        if not self._take_out(removed):
            return None
        near_out = [
            j for j in self.near(seed)[: self.near_out] if j in self.out and j not in removed
        ]
        if seed in self.out and seed not in removed:
            near_out.append(seed)
        return removed + near_out

    def _eject_ruin(self) -> list[int] | None:
        """Take out the served jobs nearest a left-out job that are worth less than it (about
        ``avg_removed``); the recreate then tries it first, and the others after it."""
        d, rng = self.d, self.rng
        u = rng.choice(list(self.out))
        pu = d.prio[u]
        gone = [
            j for j in self.near(u) if j in self.route_of and d.prio[j] < pu and j not in d.pinned
        ][: int(rng.uniform(1, 2 * self.avg_removed))]
        if not gone or not self._take_out(gone):
            return None
        return [u] + gone

    def _take_out(self, gone: list[int]) -> bool:
        """Take the jobs ``gone`` out of their routes and retime those; False when one cannot
        be timed any more (a non-metric matrix), the caller then restores the plan."""
        touched = {self.route_of[x] for x in gone}
        drop = set(gone)
        for k in touched:
            r = self.routes[k]
            r.seq = [x for x in r.seq if x not in drop]
        for x in gone:
            del self.route_of[x]
            self.out.add(x)
        ok = True
        for k in touched:  # every one, so that no route is left with a sequence not timed
            if not self.routes[k].update():
                ok = False
        return ok

    # -- the loop -----------------------------------------------------------------------------
    def snapshot(self):
        """The routes' states (:meth:`fastroute.Route.state`), to come back to."""
        return [r.state() for r in self.routes]

    def restore(self, states) -> None:
        """Come back to a :meth:`snapshot`: only the routes that changed since are set back,
        and only their jobs are moved between ``route_of`` and ``out``."""
        # A route whose kept state is the snapshot's has not changed since: every change of a
        # sequence is followed by the route's update(), which drops it.
        changed = [
            (r, state)
            for r, state in zip(self.routes, states, strict=True)
            if r.kept is not state and r.seq != state[0]
        ]
        route_of, out = self.route_of, self.out
        for r, _ in changed:  # every job of a changed route is out, until put back below
            for x in r.seq:
                if x >= 0 and route_of.get(x) == r.k:
                    del route_of[x]
                    out.add(x)
        for r, state in changed:
            r.set_state(state)
            for x in state[0]:
                if x >= 0:
                    route_of[x] = r.k
                    out.discard(x)

    def run(
        self,
        deadline: float,
        blink: float = 0.01,
        max_iter: int = 2**62,
        cycle: int | None = None,
    ) -> None:
        """Ruin and recreate until ``deadline``, convergence (a ``cycle`` of moves without a new
        best: :class:`stopping.Stopping`) or ``max_iter`` moves, then come back to the best
        plan seen (strict cost); ``blink``: the recreate's blink probability. The loop asks
        :attr:`penalty` what a left-out job costs, its :class:`annealing.Annealing` whether to
        accept, and its :class:`stopping.Stopping` when to stop (and when to begin a new
        cycle, hot again, from the best plan). Afterwards :attr:`stop_reason` says why it
        stopped, :attr:`found_at` when (time.monotonic()) it found its final plan and
        :attr:`iterations` how many moves it made."""
        # A first recreate of everything left out (the whole construction when starting empty).
        self.recreate(sorted(self.out), 0.0, deadline)
        deps = bool(self.dependent)
        if deps:
            self._enforce()
        elif self.out:
            polish(self, deadline)
        penalty = self.penalty
        balance = self.rules is not None and self.rules.balance > 0
        best = current = self.cost()
        best_plan = current_plan = self.snapshot()
        found_at = time.monotonic()
        arc = self.average_arc()
        schedule = Annealing(max(1.0, self.t_scale * arc), self.rng, soft_folds=self.cool)
        # The final trades get the last POLISH_LAST of the time.
        stop = Stopping(deadline, max_iter, POLISH_LAST if self.out else 0.0, cycle)
        next_polish, trading = 0.0, not deps
        while True:
            now = time.monotonic()
            if stop.out_of_time(now):
                break
            done = stop.done(now)
            if penalty.due(done, best):  # jobs still left out: accept on the milder penalty
                penalty.soften(arc)
                schedule.soften()
                current = self.costs()[0]
            schedule.cool(done)
            # The balance weighs on insertions only where the plan serves every job it can:
            # before that, the room it would take from the jobs left out is worth more
            # (measured on a field day of 20 jobs: weighed from the start, the search served
            # one job and 3 priority points less).
            self.balanced = balance and not self.out
            pool = self.ruin()
            if pool is None:
                self.restore(current_plan)
                continue
            self.recreate(pool, blink)
            if self.blind:
                self.weigh = True  # trades (eject) weigh their insertions
            if deps and not self._enforce():
                self.restore(current_plan)
                continue
            cost, real = self.costs()
            if real < best or schedule.accepts(cost, current):
                if real < best and self.out and trading and done >= next_polish:
                    # A new best with jobs left out: trade them in where they are worth more
                    # (:mod:`eject`), now and then — a pass costs some tens of moves. Trades
                    # are found in the first seconds only, so the first fruitless pass ends
                    # them (the final plan gets one more).
                    trading = polish(self, stop.end) > 0
                    next_polish = done + POLISH_EVERY
                    cost, real = self.costs()
                current = cost
                current_plan = self.snapshot()
                if real < best:
                    best, best_plan = real, current_plan
                    found_at = time.monotonic()
                    stop.improved()
                    if penalty.is_mild() and not self.out:
                        # Everything is served now: from here on only travel counts.
                        penalty.harden()
                        schedule.harden()
                        current = real
            else:
                self.restore(current_plan)
            if stop.moved():
                break
            if stop.restarted:  # a new cycle: hot again, from the best plan
                stop.restarted = False
                self.restore(best_plan)
                current_plan = best_plan
                current = self.costs()[0]
                next_polish = 0.0
        self.restore(best_plan)
        if self.out and not deps and polish(self, stop.final):
            found_at = time.monotonic()
        self.iterations = stop.iterations
        self.stop_reason = stop.reason
        self.found_at = found_at

    def average_arc(self) -> float:
        """The plan's travel per arc driven (from the start, between jobs, to the end), its
        soft cost counted as travel: the scale of the temperature and of the milder penalty,
        which must weigh a left-out job against lateness too (a plan may be late without
        driving at all)."""
        arcs = max(1, sum([r.njobs + 1 for r in self.routes if r.njobs]))
        return (sum([r.travel for r in self.routes if r.njobs]) + self.soft()) / arcs

    def plan(self):
        """Per vehicle, its ``("job", j)`` and ``("break", b)`` items; [] when it stays home."""
        return [
            [("job", x) if x >= 0 else ("break", -1 - x) for x in r.seq] if r.njobs else []
            for r in self.routes
        ]


def _room_for(room: list[int], need: list[tuple[int, int]]) -> bool:
    """Whether a route with ``room`` left can carry the ``(amount index, amount)`` pairs."""
    for c, amount in need:
        if amount > room[c]:
            return False
    return True


def improve(problem: Problem, plan, allowed: list[list[int]], deadline: float, seed: int = 0, **kw):
    """The plan after ruin-and-recreate until ``deadline`` (see the module docstring)."""
    search = Search(problem, plan, allowed, seed, **kw)
    search.run(deadline)
    return search.plan()
