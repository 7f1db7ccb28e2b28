"""Requests about a device: the request form's device choices and prefill from a scanned label,
and the link checked and made when the request is filed.

Both hook into the tickets package through its signals (``request_form_shown``,
``ticket_created``): tickets know an asset only by its id.

A request may name a device the requester sees (dispatch.assets.access) or one in the room the
request names: the devices of a room are there for anyone in it to see, and a scanned label
fills in its room. A category's asset-tag field and the link agree: a typed tag that an asset
has links that asset, and a chosen device fills in an empty tag field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.assets.access import get_visible_asset, in_room
from dispatch.assets.models import Asset, AssetStatus
from dispatch.assets.services import find_tag
from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import record
from dispatch.tickets.forms import field_name
from dispatch.tickets.models import Category, FieldType, Ticket


def _room_of(form) -> tuple[int | None, str, str, str]:
    site = (form.site.data or "").strip()
    return (
        int(site) if site.isdigit() and len(site) < 10 else None,
        form.building.data or "",
        form.floor.data or "",
        form.room.data or "",
    )


def _tag_field(category: Category | None) -> str | None:
    if category is None:
        return None
    return next(
        (f.key for f in category.fields if f.active and f.type == FieldType.ASSET_TAG), None
    )


def _category_for(asset: Asset, categories: list[Category]) -> Category | None:
    """The category a scanned device's request most likely belongs to: one with an asset-tag
    field, best named as the device's type ("Printer"), else one that asks nothing more
    (so that the request can be sent as it is), else the first."""
    tagged = [c for c in categories if _tag_field(c)]

    def asks_more(c: Category) -> bool:
        return any(f.active and f.required and f.type != FieldType.ASSET_TAG for f in c.fields)

    named = [c for c in tagged if c.name.casefold() == asset.type.name.casefold()]
    return next(iter(named + [c for c in tagged if not asks_more(c)] + tagged), None)


def _prefill(form, asset: Asset, categories: list[Category]) -> dict[str, str]:
    """Fill in the form for a scanned device; the extra-field values it fills (its tag)."""
    form.site.data = str(asset.site_id or form.site.data or "")
    form.building.data, form.floor.data, form.room.data = asset.building, asset.floor, asset.room
    form.asset.data = str(asset.id)
    chosen = next((c for c in categories if str(c.id) == form.category.data), None)
    if chosen is None:
        chosen = _category_for(asset, categories)
        form.category.data = str(chosen.id) if chosen else ""
    title = _("Problem with %(type)s %(tag)s", type=str(asset.type), tag=asset.tag)
    form.subject.data = form.subject.data or title[:200]
    key = _tag_field(chosen)
    return {field_name(chosen.id, key): asset.tag} if key else {}


def form_choices(
    form, user: User, args: Mapping[str, Any], categories: list[Category], **_kw: Any
) -> dict[str, Any]:
    """Receiver of ``request_form_shown``: a scanned label (``?asset=TAG``) fills in the form;
    the page gets the requester's devices and those of the chosen room."""
    scanned, more = None, {}
    if not form.is_submitted() and args.get("asset"):
        scanned = find_tag(str(args["asset"]))
        if scanned is not None:
            more["extra_values"] = _prefill(form, scanned, categories)
    mine = db.session.scalars(
        select(Asset)
        .where(Asset.owner_id == user.id, Asset.status != AssetStatus.RETIRED)
        .order_by(Asset.tag)
    ).all()
    room = db.session.scalars(in_room(*_room_of(form)).order_by(Asset.tag).limit(50)).all()
    room = [a for a in room if a not in mine]
    if scanned is not None and scanned not in mine and scanned not in room:
        room.insert(0, scanned)  # a device with no room of its own
    return {"my_devices": mine, "room_devices": room, "scanned": scanned, **more}


def _allowed(asset: Asset | None, ticket: Ticket, user: User) -> bool:
    if asset is None:
        return False
    # Not flushed yet: the site is known by its relationship, not its column.
    room = (ticket.site.id if ticket.site else None, ticket.building, ticket.floor, ticket.room)
    if db.session.scalar(in_room(*room).where(Asset.id == asset.id)) is not None:
        return True
    try:
        get_visible_asset(user, asset.id)
    except NotFound:
        return False
    return True


def link_new_ticket(ticket: Ticket, actor: User, **_kw: Any) -> None:
    """Receiver of ``ticket_created``: check the chosen device (or find the typed tag's), link
    it, fill in an empty tag field, and — when the request gives no place of its own — take
    the device's place. In the creating transaction; a device the requester may not name is
    a ValidationError on ``asset``."""
    key = _tag_field(ticket.category)
    if ticket.asset_id is not None:
        asset = db.session.get(Asset, ticket.asset_id)
        if not _allowed(asset, ticket, actor):
            raise ValidationError(_("Unknown device %(id)s.", id=ticket.asset_id), field="asset")
    else:
        typed = (ticket.fields or {}).get(key) if key else None
        asset = find_tag(typed) if isinstance(typed, str) else None
    if asset is None:
        return
    ticket.asset = asset
    if key and not (ticket.fields or {}).get(key):
        ticket.fields = {**(ticket.fields or {}), key: asset.tag}
    if not (ticket.building or ticket.floor or ticket.room) and ticket.latitude is None:
        ticket.site = asset.site or ticket.site
        ticket.building, ticket.floor, ticket.room = asset.building, asset.floor, asset.room
    record(ticket, actor, "asset", tag=asset.tag)
