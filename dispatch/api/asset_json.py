"""Assets as JSON, and the JSON Schema of that (the OpenAPI document's Asset component)."""

from __future__ import annotations

from typing import Any

from dispatch.api.fields import nullable
from dispatch.api.serializers import REF, TIME, closed_object, iso, ref
from dispatch.assets.models import Asset, AssetStatus


def asset(a: Asset) -> dict[str, Any]:
    return {
        "id": a.id,
        "tag": a.tag,
        "type": ref(a.type),
        "serial": a.serial,
        "model": a.model,
        "maker": a.maker,
        "site": ref(a.site),
        "building": a.building,
        "floor": a.floor,
        "room": a.room,
        "owner": ref(a.owner),
        "department": ref(a.department),
        "status": a.status,
        "purchased_on": a.purchased_on.isoformat() if a.purchased_on else None,
        "warranty_until": a.warranty_until.isoformat() if a.warranty_until else None,
        "notes": a.notes,
        "fields": dict(a.fields or {}),
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
        "version": a.version,
    }


_TEXT = {"type": "string"}
_DAY = nullable({"type": "string", "format": "date"})
_PROPERTIES = {
    "id": {"type": "integer"},
    "tag": _TEXT,
    "type": REF,
    "serial": _TEXT,
    "model": _TEXT,
    "maker": _TEXT,
    "site": nullable(REF),
    "building": _TEXT,
    "floor": _TEXT,
    "room": _TEXT,
    "owner": nullable(REF),
    "department": nullable(REF),
    "status": {"type": "string", "enum": [str(s) for s in AssetStatus]},
    "purchased_on": _DAY,
    "warranty_until": _DAY,
    "notes": _TEXT,
    "fields": {"type": "object"},
    "created_at": TIME,
    "updated_at": TIME,
    "version": {"type": "integer"},
}
ASSET_SCHEMA = closed_object(
    _PROPERTIES, "A device of the company's inventory, as the token's user may see it."
)
