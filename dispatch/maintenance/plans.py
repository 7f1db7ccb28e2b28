"""Creating, changing and pausing maintenance plans (dispatchers and admins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.assets.models import Asset, AssetStatus, AssetType
from dispatch.assets.services import normal_tag
from dispatch.audit.record import Target, record_admin_event
from dispatch.errors import Conflict, NotFound, ValidationError
from dispatch.extensions import db
from dispatch.people.models import Role, Skill, User
from dispatch.sites.models import Site
from dispatch.types import utcnow

from . import recurrence
from .models import MaintenancePlan

EDITORS = (Role.DISPATCHER, Role.ADMIN)
NAME_MAX, ITEM_MAX, ITEMS_MAX = 120, 200, 40
LIMITS = {"duration_min": (5, 24 * 60), "lead_days": (0, 365), "window_days": (1, 60)}


@dataclass
class PlanInput:
    """What the plan form (or a script) gives: one asset by tag, or a type and sites."""

    name: str
    rule: str
    starts_on: date | None
    asset_tag: str = ""
    asset_type_id: int | None = None
    site_ids: list[int] = field(default_factory=list)
    checklist: str = ""  # one item a line
    duration_min: int | None = 60
    skill_ids: list[int] = field(default_factory=list)
    from_last_done: bool = False
    lead_days: int | None = 14
    window_days: int | None = 10
    active: bool = True


def require_editor(user: User) -> None:
    if user.role not in EDITORS:
        raise NotFound(_("No such maintenance plan."))


def get_plan(user: User, plan_id: int) -> MaintenancePlan:
    require_editor(user)
    plan = db.session.get(MaintenancePlan, plan_id)
    if plan is None:
        raise NotFound(_("No such maintenance plan."))
    return plan


def current_input(plan: MaintenancePlan) -> PlanInput:
    return PlanInput(
        name=plan.name,
        rule=plan.rule,
        starts_on=plan.starts_on,
        asset_tag=plan.asset.tag if plan.asset else "",
        asset_type_id=plan.asset_type_id,
        site_ids=list(plan.site_ids or []),
        checklist="\n".join(plan.checklist or []),
        duration_min=plan.duration_min,
        skill_ids=[s.id for s in plan.skills],
        from_last_done=plan.from_last_done,
        lead_days=plan.lead_days,
        window_days=plan.window_days,
        active=plan.active,
    )


def check(data: PlanInput) -> dict[str, Any]:
    """The plan's cleaned values; ValidationError listing every field that is wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    name = (data.name or "").strip()
    if not name or len(name) > NAME_MAX:
        fail("name", _("Give the plan a name of at most %(n)d characters.", n=NAME_MAX))
    values["name"] = name
    for key, (low, high) in LIMITS.items():
        number = getattr(data, key)
        if number is None or not low <= number <= high:
            fail(key, _("A whole number from %(a)d to %(b)d.", a=low, b=high))
        values[key] = number
    if data.starts_on is None:
        fail("starts_on", _("Give the date the recurrence starts from."))
    else:
        try:
            recurrence.parse(data.rule, data.starts_on)
        except recurrence.RuleError as exc:
            fail("rule", _("Not a recurrence rule Dispatch can use: %(why)s.", why=str(exc)))
    values.update(
        rule=recurrence.normal_rule(data.rule),
        starts_on=data.starts_on,
        from_last_done=bool(data.from_last_done),
        active=bool(data.active),
    )
    items = [line.strip() for line in (data.checklist or "").splitlines() if line.strip()]
    if len(items) > ITEMS_MAX or any(len(item) > ITEM_MAX for item in items):
        fail(
            "checklist",
            _("At most %(n)d items of %(m)d characters each.", n=ITEMS_MAX, m=ITEM_MAX),
        )
    values["checklist"] = items
    _target(data, values, fail)
    skills = list(db.session.scalars(select(Skill).where(Skill.id.in_(data.skill_ids or []))))
    if len(skills) != len(set(data.skill_ids or [])):
        fail("skills", _("Unknown skill."))
    values["skills"] = skills
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first][0]}", field=first, errors=errors)
    return values


def _target(data: PlanInput, values: dict[str, Any], fail) -> None:
    """One asset by its tag, or an asset type at some sites (none chosen: every site)."""
    tag = normal_tag(data.asset_tag) if data.asset_tag and data.asset_tag.strip() else None
    values.update(asset=None, asset_type=None, site_ids=[])
    if tag and data.asset_type_id:
        fail("asset_tag", _("Choose one asset or an asset type, not both."))
    elif tag:
        asset = db.session.scalar(select(Asset).where(Asset.tag == tag))
        if asset is None:
            fail("asset_tag", _("No asset has the tag %(tag)s.", tag=tag))
        elif asset.status == AssetStatus.RETIRED:
            fail("asset_tag", _("%(tag)s is retired.", tag=tag))
        values["asset"] = asset
    elif data.asset_type_id:
        kind = db.session.get(AssetType, data.asset_type_id)
        if kind is None:
            fail("asset_type", _("Unknown asset type."))
        values["asset_type"] = kind
        site_ids = sorted(set(data.site_ids or []))
        found = set(db.session.scalars(select(Site.id).where(Site.id.in_(site_ids))))
        if found != set(site_ids):
            fail("sites", _("Unknown site."))
        values["site_ids"] = site_ids
    else:
        fail("asset_tag", _("Choose an asset (its tag) or an asset type."))


def snapshot(plan: MaintenancePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "asset": plan.asset.tag if plan.asset else None,
        "asset_type": plan.asset_type.name if plan.asset_type else None,
        "site_ids": list(plan.site_ids or []),
        "checklist": list(plan.checklist or []),
        "duration_min": plan.duration_min,
        "skills": sorted(s.name for s in plan.skills),
        "rule": plan.rule,
        "starts_on": plan.starts_on.isoformat() if plan.starts_on else None,
        "from_last_done": plan.from_last_done,
        "lead_days": plan.lead_days,
        "window_days": plan.window_days,
        "active": plan.active,
    }


def target(plan: MaintenancePlan) -> Target:
    return Target("maintenance_plan", plan.id, plan.name)


def save_plan(
    plan: MaintenancePlan | None,
    actor: User,
    data: PlanInput,
    *,
    expected_version: int | None = None,
) -> MaintenancePlan:
    """Create (``plan`` None) or change a plan, recorded, in one transaction."""
    require_editor(actor)
    values = check(data)
    if plan is not None and expected_version is not None and plan.version != expected_version:
        raise Conflict(_("Someone else changed this plan meanwhile; here it is as it is now."))
    before = snapshot(plan) if plan is not None else None
    if plan is None:
        plan = MaintenancePlan(created_by=actor, created_at=utcnow())
        db.session.add(plan)
    for key, value in values.items():
        setattr(plan, key, value)
    plan.updated_at = utcnow()
    try:
        db.session.flush()
        action = "created" if before is None else "changed"
        record_admin_event(actor, action, target(plan), before, snapshot(plan))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return plan


def set_active(plan: MaintenancePlan, actor: User, active: bool) -> MaintenancePlan:
    """Pause (no new visits are made) or resume a plan."""
    require_editor(actor)
    if plan.active == active:
        return plan
    if active and plan.asset is not None and plan.asset.status == AssetStatus.RETIRED:
        raise ValidationError(_("%(tag)s is retired.", tag=plan.asset.tag), field="active")
    before = snapshot(plan)
    plan.active = active
    try:
        db.session.flush()
        record_admin_event(actor, "changed", target(plan), before, snapshot(plan))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return plan
