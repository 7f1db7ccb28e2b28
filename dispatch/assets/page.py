"""What the asset pages show, gathered outside the views to keep them thin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.assets import queries
from dispatch.assets.access import can_edit
from dispatch.assets.forms import AssetForm
from dispatch.assets.models import Asset, AssetType
from dispatch.collation import name_order
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.tickets.forms import field_name


def choices(form: AssetForm, asset: Asset | None = None) -> list[AssetType]:
    """Fill the form's pickers (active rows, plus the asset's own inactive ones); the types
    with their fields, for the extra-field groups."""

    def active(model, current=None):
        rows = db.session.scalars(select(model).order_by(name_order(model.name))).all()
        return [r for r in rows if r.active or r is current]

    types = active(AssetType, asset and asset.type)
    form.set_choices(
        types, active(Site, asset and asset.site), active(Department, asset and asset.department)
    )
    return types


def owner_id(email: str | None) -> int | None:
    """The id of the person with this e-mail; ValidationError on ``owner`` if nobody has it."""
    email = (email or "").strip().lower()
    if not email:
        return None
    found = db.session.scalar(select(User.id).where(User.email == email, User.active))
    if found is None:
        raise ValidationError(_("Nobody has the address %(e)s.", e=email[:254]), field="owner")
    return found


def form_data(asset: Asset) -> dict[str, Any]:
    """An asset as the editor's form shows it."""
    return {
        "type": str(asset.type_id),
        "tag": asset.tag,
        "serial": asset.serial,
        "model": asset.model,
        "maker": asset.maker,
        "site": str(asset.site_id or ""),
        "building": asset.building,
        "floor": asset.floor,
        "room": asset.room,
        "owner": asset.owner.email if asset.owner else "",
        "department": str(asset.department_id or ""),
        "status": asset.status,
        "purchased_on": asset.purchased_on.isoformat() if asset.purchased_on else "",
        "warranty_until": asset.warranty_until.isoformat() if asset.warranty_until else "",
        "notes": asset.notes,
        "version": str(asset.version),
    }


def editor_context(
    form: AssetForm,
    types: list[AssetType],
    asset: Asset | None,
    extra_errors: Mapping[str, list[str]],
    formdata: Mapping[str, Any],
) -> dict[str, Any]:
    if form.is_submitted():
        values: Mapping[str, Any] = formdata
    elif asset is not None:
        values = {field_name(asset.type_id, k): v for k, v in (asset.fields or {}).items()}
    else:
        values = {}
    chosen = (form.type.data or "").strip()
    return {
        "form": form,
        "asset": asset,
        "groups": [(t, [f for f in t.fields if f.active]) for t in types],
        "chosen_id": int(chosen) if chosen.isdigit() else None,
        "extra_values": values,
        "extra_errors": extra_errors,
        "field_name": field_name,
    }


def detail_context(asset: Asset, viewer: User) -> dict[str, Any]:
    jobs = queries.history(asset, viewer)
    values = dict(asset.fields or {})
    shown = [
        (d.text("label"), d.shown_value(values.pop(d.key)))
        for d in asset.type.fields
        if d.key in values
    ]
    shown += list(values.items())  # a field since removed from the type
    return {
        "asset": asset,
        "jobs": jobs,
        "open_jobs": queries.open_jobs(jobs),
        "repeat_failure": queries.repeat_failure(asset),
        "field_values": shown,
        "can_edit": can_edit(viewer),
        "minutes_on_site": sum(j.minutes_on_site for j in jobs),
        "visit_minutes": queries.visit_minutes,
        "tz": asset.site.timezone if asset.site else None,
    }
