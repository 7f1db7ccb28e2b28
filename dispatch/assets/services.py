"""Asset use cases: validating what an editor, an import or the API gives, and saving it.

``check`` validates one asset's input and says everything that is wrong with it (field →
messages) without touching the database's rows; ``save_asset`` is one transaction, recorded on
the record of administration. The CSV import (dispatch.assets.csv_import) checks every row
with ``check`` before it writes any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError

from dispatch.assets.access import require_editor
from dispatch.assets.models import Asset, AssetStatus, AssetType
from dispatch.audit.record import Target, record_admin_event
from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.tickets.changes import record
from dispatch.tickets.fields import ASSET_TAG, clean_fields
from dispatch.tickets.models import CategoryField, FieldType, Ticket
from dispatch.types import utcnow

Errors = dict[str, list[str]]
#: The columns' lengths: a longer value is refused by name, never cut.
TEXT_LIMITS = {"serial": 80, "model": 120, "maker": 120, "building": 80, "floor": 40, "room": 80}
NOTES_MAX = 5000


@dataclass
class AssetInput:
    """What an editor, a CSV row or an API call says about one asset."""

    type_id: int | None
    tag: str
    serial: str = ""
    model: str = ""
    maker: str = ""
    site_id: int | None = None
    building: str = ""
    floor: str = ""
    room: str = ""
    owner_id: int | None = None
    department_id: int | None = None
    status: str = AssetStatus.IN_USE
    purchased_on: date | str | None = None
    warranty_until: date | str | None = None
    notes: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)


def current_input(asset: Asset) -> AssetInput:
    """What ``asset`` holds, as an input that a change starts from."""
    return AssetInput(
        type_id=asset.type_id,
        tag=asset.tag,
        **{name: getattr(asset, name) for name in TEXT_LIMITS},
        site_id=asset.site_id,
        owner_id=asset.owner_id,
        department_id=asset.department_id,
        status=asset.status,
        purchased_on=asset.purchased_on,
        warranty_until=asset.warranty_until,
        notes=asset.notes,
        fields=dict(asset.fields or {}),
    )


def normal_tag(raw: str | None) -> str | None:
    """The tag as stored (upper-case), or None when it is not one."""
    text = (raw or "").strip()
    return text.upper() if ASSET_TAG.match(text) else None


def _date(errors: Errors, name: str, value: date | str | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def _row(errors: Errors, name: str, model, row_id: int | None, message: str):
    if row_id is None:
        return None
    row = db.session.get(model, row_id)
    if row is None or not getattr(row, "active", True):
        errors[name] = [message]
        return None
    return row


def check(data: AssetInput) -> tuple[dict[str, Any], Errors]:
    """(the cleaned values, every fault by field); the values are only usable without faults."""
    errors: Errors = {}
    tag = normal_tag(data.tag)
    if tag is None:
        errors["tag"] = [_("An asset tag is letters, digits and . _ / - (at most 40).")]
    values: dict[str, Any] = {"tag": tag}
    for name, limit in TEXT_LIMITS.items():
        text = (getattr(data, name) or "").strip()
        if len(text) > limit:
            errors[name] = [_("At most %(n)d characters.", n=limit)]
        values[name] = text
    notes = (data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = [_("At most %(n)d characters.", n=NOTES_MAX)]
    values["notes"] = notes
    kind = _row(errors, "type", AssetType, data.type_id, _("Unknown asset type."))
    if data.type_id is None:
        errors["type"] = [_("Choose the asset's type.")]
    values["type"] = kind
    values["site"] = _row(errors, "site", Site, data.site_id, _("Unknown site."))
    values["owner"] = _row(errors, "owner", User, data.owner_id, _("Unknown person."))
    values["department"] = _row(
        errors, "department", Department, data.department_id, _("Unknown department.")
    )
    if data.owner_id is not None and data.department_id is not None:
        errors["owner"] = [_("An asset belongs to a person or to a department, not both.")]
    if data.status not in set(AssetStatus):
        errors["status"] = [_("Choose in use, in repair, spare or retired.")]
    values["status"] = data.status
    values["purchased_on"] = _date(errors, "purchased_on", data.purchased_on)
    values["warranty_until"] = _date(errors, "warranty_until", data.warranty_until)
    values["fields"] = {}
    if kind is not None:
        try:
            values["fields"] = clean_fields(kind.fields, data.fields or {})
        except ValidationError as exc:
            errors.update(exc.errors)
    elif data.fields:
        errors["fields"] = [_("Extra fields need an asset type.")]
    return values, errors


def snapshot(asset: Asset) -> dict[str, Any]:
    return {
        "type": asset.type.name if asset.type else None,
        "tag": asset.tag,
        **{name: getattr(asset, name) for name in TEXT_LIMITS},
        "site": asset.site.name if asset.site else None,
        "owner": asset.owner.email if asset.owner else None,
        "department": asset.department.name if asset.department else None,
        "status": asset.status,
        "purchased_on": asset.purchased_on.isoformat() if asset.purchased_on else None,
        "warranty_until": asset.warranty_until.isoformat() if asset.warranty_until else None,
        "notes": asset.notes,
        "fields": dict(asset.fields or {}),
    }


def apply(asset: Asset, values: Mapping[str, Any]) -> None:
    """Set checked values on ``asset`` (nothing flushed)."""
    for name, value in values.items():
        setattr(asset, name, value)
    asset.updated_at = utcnow()


def target(asset: Asset) -> Target:
    return Target("asset", asset.id, asset.tag)


def raise_errors(errors: Errors) -> None:
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first][0]}", field=first, errors=errors)


def save_asset(
    asset: Asset | None, actor: Any, data: AssetInput, *, expected_version: int | None = None
) -> Asset:
    """Create (``asset`` None) or update an asset, in one transaction; a tag another asset has
    is a ValidationError on ``tag``, a version someone else changed since is a Conflict."""
    if isinstance(actor, User):
        require_editor(actor)
    values, errors = check(data)
    raise_errors(errors)
    if asset is not None and expected_version is not None and asset.version != expected_version:
        raise Conflict(_("Someone else changed this asset meanwhile; here it is as it is now."))
    before = snapshot(asset) if asset is not None else None
    if asset is None:
        asset = Asset(created_at=utcnow())
        db.session.add(asset)
    apply(asset, values)
    try:
        db.session.flush()
        action = "created" if before is None else "changed"
        record_admin_event(actor, action, target(asset), before, snapshot(asset))
        link_tickets(asset)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(
            _("Another asset already has the tag %(tag)s.", tag=values["tag"]), field="tag"
        ) from None
    except Exception:
        db.session.rollback()
        raise
    return asset


def find_tag(tag: str) -> Asset | None:
    """The asset with this tag (any case), whoever asks: for matching, not for showing."""
    normal = normal_tag(tag)
    return db.session.scalar(select(Asset).where(Asset.tag == normal)) if normal else None


def link_tickets(asset: Asset) -> int:
    """Link the tickets whose asset-tag field holds ``asset``'s tag and that name no asset yet
    (requests filed before the device was in the inventory); how many. Not committed.

    The text match is only a cheap pre-filter that works the same on SQLite and PostgreSQL;
    the decision is made on the decoded JSON."""
    tag_fields = db.session.execute(
        select(CategoryField.category_id, CategoryField.key).where(
            CategoryField.type == FieldType.ASSET_TAG
        )
    ).all()
    linked = 0
    for category_id, key in tag_fields:
        candidates = db.session.scalars(
            select(Ticket).where(
                Ticket.category_id == category_id,
                Ticket.asset_id.is_(None),
                func.upper(cast(Ticket.fields, String)).like(f"%{asset.tag}%"),
            )
        )
        for ticket in candidates:
            value = (ticket.fields or {}).get(key)
            if isinstance(value, str) and value.strip().upper() == asset.tag:
                ticket.asset_id = asset.id
                record(ticket, None, "asset", tag=asset.tag)
                linked += 1
    return linked
