"""Admin use cases for service levels: policies and the company's closure days. Each is one
transaction, on the record of administration, and replays the open tickets' clocks under the
new rules before it commits (their due times move with the change)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.admin.services import Errors, clean_text, commit_unique, raise_if
from dispatch.audit.record import record_admin_event
from dispatch.extensions import db
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.sla.models import ClosureDay, SlaPolicy
from dispatch.sla.policies import wanted
from dispatch.sla.tracking import criteria_filter, refresh_open
from dispatch.tickets.models import Category, Kind, Priority

#: Ten years of minutes: a target longer than that is a typing mistake.
MINUTES_MAX = 10 * 366 * 24 * 60


def policy_snapshot(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        **wanted(policy),
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "around_the_clock": policy.around_the_clock,
        "active": policy.active,
    }


def _minutes(errors: Errors, name: str, value: int | None) -> int:
    if value is None or not 1 <= value <= MINUTES_MAX:
        errors.setdefault(name, []).append(
            _("Give a number of minutes from 1 to %(n)d.", n=MINUTES_MAX)
        )
        return 0
    return int(value)


def _known(errors: Errors, name: str, model, value: int | None) -> int | None:
    if value is not None and db.session.get(model, value) is None:
        errors.setdefault(name, []).append(_("Unknown choice."))
    return value


def save_policy(policy: SlaPolicy | None, actor: User, **form: Any) -> SlaPolicy:
    """Create or change a policy (``form``: the fields of SlaPolicy)."""
    errors: Errors = {}
    name = clean_text(errors, "name", form.get("name"), 120, required=True)
    first = _minutes(errors, "first_response_minutes", form.get("first_response_minutes"))
    resolution = _minutes(errors, "resolution_minutes", form.get("resolution_minutes"))
    if first and resolution and resolution < first:
        errors.setdefault("resolution_minutes", []).append(
            _("The resolution target cannot come before the first response.")
        )
    priority, kind = form.get("priority") or None, form.get("kind") or None
    if priority is not None and priority not in set(Priority):
        errors.setdefault("priority", []).append(_("Unknown choice."))
    if kind is not None and kind not in set(Kind):
        errors.setdefault("kind", []).append(_("Unknown choice."))
    criteria = {
        "category_id": _known(errors, "category_id", Category, form.get("category_id")),
        "site_id": _known(errors, "site_id", Site, form.get("site_id")),
        "department_id": _known(errors, "department_id", Department, form.get("department_id")),
        "priority": priority,
        "kind": kind,
    }
    active = bool(form.get("active", True))
    if active and _same_criteria(criteria, policy.id if policy else None):
        errors.setdefault("category_id", []).append(
            _("Another active policy already applies to exactly these tickets.")
        )
    raise_if(errors)
    before = policy_snapshot(policy) if policy is not None else None
    if policy is None:
        policy = SlaPolicy()
        db.session.add(policy)
    for attr, value in criteria.items():
        setattr(policy, attr, value)
    policy.name, policy.active = name, active
    policy.first_response_minutes, policy.resolution_minutes = first, resolution
    policy.around_the_clock = bool(form.get("around_the_clock"))
    # Only the open tickets this policy can move are replayed (see refresh_open).
    commit_unique(
        lambda: None,
        actor,
        policy,
        before,
        policy_snapshot,
        lambda: refresh_open(db.session, *criteria_filter(policy)),
    )
    return policy


def _replay_open() -> None:
    refresh_open(db.session)


def _same_criteria(criteria: dict[str, Any], own_id: int | None) -> bool:
    query = select(SlaPolicy.id).where(SlaPolicy.active)
    for attr, value in criteria.items():
        column = getattr(SlaPolicy, attr)
        query = query.where(column.is_(None) if value is None else column == value)
    if own_id is not None:
        query = query.where(SlaPolicy.id != own_id)
    return db.session.scalar(query.limit(1)) is not None


def closure_snapshot(row: ClosureDay) -> dict[str, Any]:
    return {"day": row.day.isoformat(), "name": row.name}


def add_closure_day(actor: User, *, day: date | None, name: str) -> ClosureDay:
    """Close the company on ``day`` (no business time runs on it)."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, 120, required=True)
    if day is None:
        errors.setdefault("day", []).append(_("Give a date."))
    raise_if(errors)
    row = ClosureDay(day=day, name=name)
    db.session.add(row)
    clash = ("day", _("This day is already closed."))
    commit_unique(lambda: clash, actor, row, None, closure_snapshot, _replay_open)
    return row


def remove_closure_day(row: ClosureDay, actor: User) -> None:
    record_admin_event(actor, "deleted", row, closure_snapshot(row), None)
    db.session.delete(row)
    db.session.flush()
    refresh_open(db.session)
    db.session.commit()
