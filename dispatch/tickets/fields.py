"""Per-category extra fields: validating what people type into them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.tickets.models import CategoryField, FieldType

ASSET_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
MAX_TEXT = 500


def clean_fields(defs: Iterable[CategoryField], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``raw`` values against the category's field definitions.

    Returns the cleaned values keyed by field key (empty optional fields are left out). Raises
    ValidationError with one message per bad field, named ``fields.<key>``; unknown keys are
    errors too, so that a typo in an API call is not silently dropped.
    """
    defs = [d for d in defs if d.active]
    known = {d.key for d in defs}
    errors: dict[str, list[str]] = {}
    for key in raw:
        if key not in known:
            errors[f"fields.{key}"] = [_("Unknown field for this category.")]
    cleaned: dict[str, Any] = {}
    for d in defs:
        value = raw.get(d.key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if d.required:
                errors[f"fields.{d.key}"] = [_("%(label)s is required.", label=d.text("label"))]
            continue
        try:
            cleaned[d.key] = _clean_one(d, value)
        except ValueError as exc:
            errors[f"fields.{d.key}"] = [str(exc)]
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first][0]}", field=first, errors=errors)
    return cleaned


def _clean_one(d: CategoryField, value: Any) -> Any:
    if d.type == FieldType.NUMBER:
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(_("Enter a number.")) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(_("Enter a number."))
        return int(number) if number.is_integer() else number
    if d.type == FieldType.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if d.type == FieldType.CHOICE:
        if str(value) not in (d.choices or []):
            raise ValueError(_("Choose one of: %(choices)s.", choices=", ".join(d.choices or [])))
        return str(value)
    if d.type == FieldType.ASSET_TAG:
        if not ASSET_TAG.match(str(value)):
            raise ValueError(_("An asset tag is letters, digits and . _ / - (at most 40)."))
        return str(value).upper()
    text = str(value)
    if len(text) > MAX_TEXT:
        raise ValueError(_("At most %(n)d characters.", n=MAX_TEXT))
    return text
