"""The re-planned day as the engine is asked it: waiting visits held on their technician,
frozen near their time, freed, or settled where an earlier answer put them; and what counts as a
visit that moved.

The engine knows pinned steps (a vehicle's visits in a given order, optionally within a time
range), not "keep this visit where it was": each variant below is the day's problem with the
pinned steps that express it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dispatch.routing import PinnedStep, Solution

from . import problem as builder

#: A visit whose start changes by less than this did not "move".
MOVE_THRESHOLD = timedelta(minutes=10)
ALL = None  # ``freed`` value meaning the whole day
#: ``freed`` value of the first step: nobody freed, every waiting visit kept at its time.
FROZEN = frozenset({-1})


def assignments(built: builder.Built, solution: Solution) -> dict[int, tuple[int, datetime]]:
    """ticket id → (technician id, planned start) in the solution."""
    out = {}
    for route in solution.routes:
        who = built.vehicles[route.vehicle]
        for step in route.steps:
            if step.type == "job":
                out[step.id] = (
                    who["technician_id"],
                    built.moment(step.arrival + step.waiting_time),
                )
    return out


def moves_between(
    previous: dict[str, dict[str, Any]], new: dict[int, tuple[int, datetime]]
) -> list[dict[str, Any]]:
    """What changed against the published day: ``technician`` (given to someone else),
    ``time`` (same technician, start moved by ``MOVE_THRESHOLD`` or more), ``dropped`` (no
    longer planned) or ``added`` (not planned before). ``previous``: ticket id (str) →
    {"technician_id", "start" (ISO)}."""
    moves = []
    for key, old in previous.items():
        ticket_id = int(key)
        old_start = datetime.fromisoformat(old["start"])
        base = {
            "ticket_id": ticket_id,
            "old_technician_id": old["technician_id"],
            "old_start": old["start"],
        }
        if ticket_id not in new:
            moves.append({**base, "change": "dropped"})
            continue
        tech, start = new[ticket_id]
        base.update(new_technician_id=tech, new_start=start.isoformat())
        if tech != old["technician_id"]:
            moves.append({**base, "change": "technician"})
        elif abs(start - old_start) >= MOVE_THRESHOLD:
            moves.append({**base, "change": "time"})
    for ticket_id, (tech, start) in new.items():
        if str(ticket_id) not in previous:
            moves.append(
                {
                    "ticket_id": ticket_id,
                    "change": "added",
                    "new_technician_id": tech,
                    "new_start": start.isoformat(),
                }
            )
    return moves


def freeing(built: builder.Built, hard: set[int], freed: frozenset[int] | None) -> builder.Built:
    """``built`` with the held (not pinned) visits of the ``freed`` technicians let go."""
    vehicles = []
    for vehicle in built.problem.vehicles:
        tech = built.vehicles[vehicle.id]["technician_id"]
        if freed is ALL or tech in freed:
            vehicle = replace(
                vehicle, steps=tuple(s for s in vehicle.steps if s.type != "job" or s.id in hard)
            )
        vehicles.append(vehicle)
    return replace(built, problem=replace(built.problem, vehicles=vehicles))


def freezing(
    built: builder.Built, hard: set[int], previous: dict[str, dict[str, Any]]
) -> builder.Built:
    """``built`` with every held visit also kept within a few minutes of its previous start
    (less than ``MOVE_THRESHOLD`` either way, so that none of them counts as moved)."""
    margin = int(MOVE_THRESHOLD.total_seconds()) - 60
    vehicles = []
    for vehicle in built.problem.vehicles:
        steps = []
        for step in vehicle.steps:
            old = previous.get(str(step.id)) if step.type == "job" else None
            if old is not None and step.id not in hard:
                at = built.seconds(datetime.fromisoformat(old["start"]))
                step = replace(step, service_after=max(0, at - margin), service_before=at + margin)
            steps.append(step)
        vehicles.append(replace(vehicle, steps=tuple(steps)))
    return replace(built, problem=replace(built.problem, vehicles=vehicles))


def settling(
    built: builder.Built,
    hard: set[int],
    previous: dict[str, dict[str, Any]],
    where: dict[int, tuple[int, datetime]],
    keep_time: bool,
) -> builder.Built:
    """``built`` with every visit held where a plan put it (``where``: :func:`assignments`),
    the ones that stayed with their technician back in their previous order (and, with
    ``keep_time``, near their previous time): the engine only places the new work again. Undoes
    reshuffles the engine made for nothing (it minimises driving, not changes) once a step has
    freed a technician."""
    margin = int(MOVE_THRESHOLD.total_seconds()) - 60
    pins = {
        s.id: s for v in built.problem.vehicles for s in v.steps if s.type == "job" and s.id in hard
    }
    pin_vehicle = {
        s.id: v.id
        for v in built.problem.vehicles
        for s in v.steps
        if s.type == "job" and s.id in hard
    }
    vehicle_of = {(who["technician_id"], who["day"]): vid for vid, who in built.vehicles.items()}
    day = next(iter(built.vehicles.values()))["day"] if built.vehicles else ""
    items: dict[int, list[tuple[int, PinnedStep]]] = {}
    for ticket_id, (tech, start) in where.items():
        vid = pin_vehicle.get(ticket_id, vehicle_of.get((tech, day)))
        if vid is None:
            continue
        if ticket_id in pins:
            step = pins[ticket_id]
            key = step.service_at if step.service_at is not None else built.seconds(start)
        elif str(ticket_id) in previous:
            old = previous[str(ticket_id)]
            if old["technician_id"] == tech:
                key = built.seconds(datetime.fromisoformat(old["start"]))
                step = PinnedStep(
                    type="job",
                    id=ticket_id,
                    service_after=max(0, key - margin) if keep_time else None,
                    service_before=key + margin if keep_time else None,
                )
            else:
                key, step = built.seconds(start), PinnedStep(type="job", id=ticket_id)
        else:
            continue  # the new work: placed again freely
        items.setdefault(vid, []).append((key, step))
    for ticket_id, vid in pin_vehicle.items():  # pinned visits the plan could not keep
        if ticket_id not in where:
            step = pins[ticket_id]
            items.setdefault(vid, []).append((step.service_at or 0, step))
    vehicles = []
    for vehicle in built.problem.vehicles:
        others = tuple(s for s in vehicle.steps if s.type != "job")
        ordered = tuple(
            step for _, step in sorted(items.get(vehicle.id, []), key=lambda item: item[0])
        )
        vehicles.append(replace(vehicle, steps=others + ordered))
    return replace(built, problem=replace(built.problem, vehicles=vehicles))
