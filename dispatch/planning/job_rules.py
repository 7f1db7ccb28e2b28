"""The field-work rules a job carries to the engine, from its ticket: the technicians it may,
must not and should have, and the visit it must come after.

A technician is a vehicle per working day (``Built.vehicles``), so a rule about a technician
becomes a rule about each of their shifts in the planned days.
"""

from __future__ import annotations

from dataclasses import replace

from flask import current_app

from dispatch.routing import Dependency, Job
from dispatch.stored_text import said
from dispatch.tickets.models import TechnicianRule, Ticket

from . import sources


def _shifts(built) -> dict[int, list[int]]:
    """Technician id → the vehicle ids of their shifts."""
    shifts: dict[int, list[int]] = {}
    for vid, facts in built.vehicles.items():
        shifts.setdefault(facts["technician_id"], []).append(vid)
    return shifts


def _vids(shifts: dict[int, list[int]], technician_ids) -> frozenset[int]:
    return frozenset(v for t in technician_ids for v in shifts.get(t, ()))


def with_rules(built, tickets: list[Ticket], jobs: list[Job], pinned: set[int]) -> list[Job]:
    """``jobs`` with their technician rules and dependencies. A job whose required
    technicians have no shift in the planned days (and that no pin keeps) goes to
    ``built.unplannable`` instead.

    The preferred technician is the one the dispatcher named, else the one who last visited
    the device, with the weight ``PLANNING_PREFERRED_WEIGHT`` in seconds of travel."""
    by_id = {t.id: t for t in tickets}
    shifts = _shifts(built)
    last = sources.last_technicians({t.asset_id for t in tickets if t.asset_id is not None})
    weight = int(current_app.config.get("PLANNING_PREFERRED_WEIGHT", 1800))
    planned = {job.id for job in jobs}
    out = []
    for job in jobs:
        ticket = by_id[job.id]
        required = ticket.technician_ids(TechnicianRule.REQUIRED)
        required_vids = _vids(shifts, required)
        if required and not required_vids and job.id not in pinned:
            facts = built.jobs.pop(job.id)
            built.unplannable.append(
                {
                    **{k: v for k, v in facts.items() if k not in ("lat", "lon")},
                    "reason": said("none of the technicians it may have is working"),
                }
            )
            continue
        named = ticket.technician_ids(TechnicianRule.PREFERRED)
        preferred = named or [t for t in [last.get(ticket.asset_id)] if t is not None]
        if preferred:
            built.preferred[job.id] = {
                "ids": sorted(preferred),
                "by": "named" if named else "device",
            }
        job = replace(
            job,
            required_vehicles=required_vids,
            prohibited_vehicles=_vids(shifts, ticket.technician_ids(TechnicianRule.PROHIBITED)),
            preferred_vehicles=tuple((vid, weight) for vid in sorted(_vids(shifts, preferred))),
            # A follow-up comes after the visit it follows up, when both are in this plan.
            depends_on=(Dependency(id=ticket.parent_id),) if ticket.parent_id in planned else (),
        )
        out.append(job)
    # A follow-up of a job just dropped is not in this plan's dependencies either.
    kept = {job.id for job in out}
    return [
        replace(job, depends_on=tuple(d for d in job.depends_on if d.id in kept)) for job in out
    ]
