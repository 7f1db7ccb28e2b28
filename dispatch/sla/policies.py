"""Which policy a ticket falls under: of the active policies whose every criterion matches the
ticket, the one that sets the most criteria; between equals, the one whose criteria come first
in CRITERIA's order (category, priority, kind, site, department), then the oldest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import inspect

from dispatch.sla.models import CRITERIA, SlaPolicy
from dispatch.sla.run import Targets


@dataclass(frozen=True)
class Match:
    policy: SlaPolicy
    criteria: tuple[str, ...]  # the criteria the policy sets, all matched: the why

    @property
    def targets(self) -> Targets:
        return targets_of(self.policy)


def targets_of(policy: SlaPolicy) -> Targets:
    return Targets(
        timedelta(minutes=policy.first_response_minutes),
        timedelta(minutes=policy.resolution_minutes),
    )


def wanted(policy: SlaPolicy) -> dict[str, Any]:
    """The criteria ``policy`` sets, by name, with the value a ticket must have."""
    values = {
        "category": policy.category_id,
        "priority": policy.priority,
        "kind": policy.kind,
        "site": policy.site_id,
        "department": policy.department_id,
    }
    return {name: value for name, value in values.items() if value not in (None, "")}


def ticket_values(ticket) -> dict[str, Any]:
    return {
        "category": _key(ticket, "category"),
        "priority": ticket.priority,
        "kind": ticket.kind,
        "site": _key(ticket, "site"),
        "department": _key(ticket, "department"),
    }


def _key(ticket, relation: str) -> int | None:
    """The id a ticket refers to, also before a flush has copied a newly set relationship into
    its key (a new ticket gets its site as an object; cataloguing sets the key)."""
    state = inspect(ticket)
    column = f"{relation}_id"
    if not state.attrs[column].history.has_changes() and relation not in state.unloaded:
        if state.attrs[relation].history.has_changes():
            row = getattr(ticket, relation)
            return row.id if row is not None else None
    return getattr(ticket, column)


def choose(policies: Iterable[SlaPolicy], ticket) -> Match | None:
    """The policy ``ticket`` falls under, with the criteria that made it match."""
    have = ticket_values(ticket)
    best: tuple[Any, Match] | None = None
    for policy in policies:
        if not policy.active:
            continue
        sets = wanted(policy)
        if any(have[name] != value for name, value in sets.items()):
            continue
        rank = (-len(sets), [name not in sets for name in CRITERIA], policy.id)
        if best is None or rank < best[0]:
            best = (rank, Match(policy, tuple(n for n in CRITERIA if n in sets)))
    return best[1] if best else None
