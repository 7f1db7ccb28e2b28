"""Re-plan today with as few changes as possible: free technicians step by step.

The engine has no notion of "keep this visit where it was", so the fewest changes are found by
asking it several smaller questions, each within a share of the run's time limit:

1. every waiting visit *frozen*: on its technician, in its order, within a few minutes of its
   time (the new work fits in a gap: nothing moves);
2. every waiting visit *held* on its technician in its order (new work inserted between them,
   later visits of that technician start later);
3. the technician best placed for the urgent work freed alone (their visits may be reordered or
   handed to a colleague, everyone else stays held), then the second and third best placed;
4. the best placed technician freed together with the colleagues best placed to take over their
   visits (one, then two);
5. the whole day planned freely.

Escalation stops at the first step whose plan serves all the urgent work without losing any
visit planned before (when no step manages that, every step is made and the best plan kept).
The engine minimises driving, not changes, so a step that freed someone may reshuffle
their day for nothing: the plan found is then *settled* — every visit held where it ended up,
the ones that stayed with their technician back in their previous order and near their previous
time (then, if that fails, in their order only) — and the new work placed again.

Of all the plans tried, the one kept is the best by, in order: the dispatcher's pinned visits
kept, the urgent work served, the total priority served, the fewest visits moved (as
:func:`moves_between` counts them, which is what the board lists), the least driving.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dispatch.routing import Job, Solution, Vehicle

from . import problem as builder
from .held_day import (
    ALL,
    FROZEN,
    assignments,
    freeing,
    freezing,
    moves_between,
    settling,
)

#: How many technicians are tried alone before several are freed together.
SINGLES = 3
#: How many colleagues are freed with the best placed technician, at most.
PARTNERS = 2
#: The shortest engine run worth making for one step (seconds).
MIN_STEP_SECONDS = 0.5


@dataclass
class Attempt:
    """One question asked to the engine and what came of it."""

    freed: frozenset[int] | None  # technicians whose visits could move (FROZEN, ALL: see held_day)
    built: builder.Built
    solution: Solution
    moves: list[dict[str, Any]]
    urgent_served: int
    urgent_priority: int
    pinned_kept: int = 0
    settled: bool = False  # a second pass that put back what did not need to move

    @property
    def moved(self) -> int:
        return sum(1 for m in self.moves if m["change"] != "added")

    def key(self) -> tuple:
        """Larger is better: the dispatcher's pinned visits kept, urgent work served, priority
        served, fewest moves, least driving."""
        return (
            self.pinned_kept,
            self.urgent_served,
            self.urgent_priority,
            self.solution.priority,
            -self.moved,
            -self.solution.travel,
        )

    def served(self) -> set[int]:
        return {s.id for r in self.solution.routes for s in r.steps if s.type == "job"}


def _fits(job: Job, vehicle: Vehicle) -> bool:
    return job.skills <= vehicle.skills


def _slack(vehicle: Vehicle, solution: Solution) -> int:
    """Seconds of the shift neither driven nor working in the solution."""
    length = vehicle.time_window[1] - vehicle.time_window[0]
    for route in solution.routes:
        if route.vehicle == vehicle.id:
            return length - route.duration - route.service - route.setup
    return length - sum(b.service for b in vehicle.breaks)


def _places(vehicle: Vehicle, solution: Solution) -> set[int]:
    places = {i for i in (vehicle.start_index, vehicle.end_index) if i is not None}
    for route in solution.routes:
        if route.vehicle == vehicle.id:
            places |= {
                s.location_index
                for s in route.steps
                if s.type == "job" and s.location_index is not None
            }
    return places


def rank(
    built: builder.Built, held: Solution, urgent: Iterable[int]
) -> tuple[list[int], dict[int, list[int]]]:
    """The technicians who could serve the urgent work, best placed first (skills, then short
    enough of a detour to fit in their spare time, then distance, then spare time), and for
    each of them their colleagues best placed to take over their visits."""
    problem = built.problem
    m = problem.durations
    jobs = [j for j in problem.jobs if j.id in set(urgent)]
    keys: dict[int, tuple] = {}
    places, slack = {}, {}
    for vehicle in problem.vehicles:
        tech = built.vehicles[vehicle.id]["technician_id"]
        places[tech] = _places(vehicle, held)
        slack[tech] = _slack(vehicle, held)
        for job in jobs:
            if not _fits(job, vehicle) or not places[tech]:
                continue
            near = min(m[p][job.location_index] for p in places[tech])
            key = (slack[tech] < job.service + 2 * near, near, -slack[tech])
            keys[tech] = min(keys.get(tech, key), key)
    best = sorted(keys, key=lambda t: (keys[t], t))
    partners = {}
    for tech in best:
        others = [t for t in places if t != tech and places[t]]
        partners[tech] = sorted(
            others,
            key=lambda t: (min(m[a][b] for a in places[tech] for b in places[t]), -slack[t], t),
        )
    return best, partners


def steps_after_held(
    best: list[int], partners: dict[int, list[int]], everyone: set[int]
) -> list[list[frozenset[int] | None]]:
    """The escalation after the held attempt, as groups of ``freed`` sets: all the sets of a
    group are tried before deciding whether to escalate further. A set of every technician is
    the whole day, which comes last."""
    groups: list[list[frozenset[int] | None]] = []
    seen: set[frozenset[int]] = {frozenset(everyone)}
    singles = [frozenset({t}) for t in best[:SINGLES] if frozenset({t}) not in seen]
    if singles:
        groups.append(singles)
        seen |= set(singles)
    if best:
        for k in range(1, PARTNERS + 1):
            freed = frozenset([best[0], *partners[best[0]][:k]])
            if len(freed) > k and freed not in seen:
                groups.append([freed])
                seen.add(freed)
    groups.append([ALL])
    return groups


def search(
    built: builder.Built,
    *,
    hard: set[int],
    urgent: set[int],
    previous: dict[str, dict[str, Any]],
    limit: float,
    solve: Callable[[builder.Built, float, frozenset[int] | None], Solution],
) -> tuple[Attempt, list[Attempt]]:
    """Find the plan that fits the urgent work with the fewest moves, within ``limit``
    seconds in all; the chosen attempt and every attempt made, in order.

    ``built``: the problem with every waiting visit held; ``hard``: the dispatcher's pinned
    tickets (never let go); ``solve(built, seconds, freed)`` runs the engine."""
    started = clock.monotonic()
    most = max(2, int(limit // MIN_STEP_SECONDS))
    in_problem = {j.id: j for j in built.problem.jobs if j.id in urgent}
    pinned = hard & {j.id for j in built.problem.jobs}

    def attempt(
        freed: frozenset[int] | None,
        seconds: float,
        settle: Attempt | None = None,
        keep_time: bool = False,
    ) -> Attempt:
        if settle is not None:
            variant = settling(
                built, hard, previous, assignments(settle.built, settle.solution), keep_time
            )
        elif freed == FROZEN:
            variant = freezing(built, hard, previous)
        elif freed == frozenset():
            variant = built
        else:
            variant = freeing(built, hard, freed)
        solution = solve(variant, seconds, freed)
        served = {s.id for r in solution.routes for s in r.steps if s.type == "job"}
        return Attempt(
            freed=freed,
            built=variant,
            solution=solution,
            moves=moves_between(previous, assignments(variant, solution)),
            urgent_served=len(served & set(in_problem)),
            urgent_priority=sum(j.priority for i, j in in_problem.items() if i in served),
            pinned_kept=len(served & pinned),
            settled=settle is not None,
        )

    def complete(attempt: Attempt, keep: set[int]) -> bool:
        return (
            attempt.urgent_served == len(in_problem)
            and keep <= attempt.served()
            and attempt.pinned_kept == len(pinned)
        )

    planned = min(most, 7)  # the first steps' share assumes a few more will follow
    kept_before = {int(k) for k in previous} & {j.id for j in built.problem.jobs}
    tried = [attempt(FROZEN, limit / planned)]
    if complete(tried[0], kept_before):
        return tried[0], tried
    held = attempt(frozenset(), limit / planned)
    tried.append(held)
    if complete(held, kept_before):
        return held, tried
    # The urgent work left out, or (when it fits only by dropping a visit) all of it.
    missing = (set(in_problem) - held.served()) or set(in_problem)
    helpable = [i for i in missing if any(_fits(in_problem[i], v) for v in built.problem.vehicles)]
    if not helpable:
        return max(tried, key=lambda a: a.key()), tried
    best, partners = rank(built, held.solution, helpable)
    everyone = {who["technician_id"] for who in built.vehicles.values()}
    groups = steps_after_held(best, partners, everyone)
    # Keep the whole-day step; drop the middle ones that the time limit has no room for.
    room = most - 2
    middle = [freed for group in groups[:-1] for freed in group][: max(0, room - 1)]
    groups = [[f for f in g if f in middle] for g in groups[:-1]] + [groups[-1]]
    groups = [g for g in groups if g]
    left = sum(len(g) for g in groups)
    must_keep = kept_before | (held.served() - set(in_problem))
    # Time kept for settling the plan found (below), when the limit has room for it.
    reserve = max(2 * MIN_STEP_SECONDS, 0.15 * limit) if most >= 6 else 0.0
    for group in groups:
        found = False
        for freed in group:
            remaining = limit - reserve - (clock.monotonic() - started)
            seconds = max(MIN_STEP_SECONDS / 2, remaining / left)
            left -= 1
            tried.append(attempt(freed, seconds))
            found = found or complete(tried[-1], must_keep)
        if found:
            break
    chosen = max(tried, key=lambda a: a.key())
    # Settle: put back, in their order and near their time, the visits the engine reshuffled
    # although they stayed with their technician (first near their time, then in order only).
    for keep_time in (True, False):
        remaining = limit - (clock.monotonic() - started)
        if not any(m["change"] == "time" for m in chosen.moves) or remaining < MIN_STEP_SECONDS / 2:
            break
        tried.append(
            attempt(
                chosen.freed,
                max(MIN_STEP_SECONDS / 2, remaining / 2),
                settle=chosen,
                keep_time=keep_time,
            )
        )
        if complete(tried[-1], must_keep) and tried[-1].key() > chosen.key():
            chosen = tried[-1]
    return chosen, tried
