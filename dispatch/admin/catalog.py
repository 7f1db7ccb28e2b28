"""Admin use cases for the catalog: categories and asset types, and the extra fields each one
asks for (one set of field rules for both owners).

Part of the admin services (see dispatch.admin.services for the conventions): one transaction
per function, ValidationError naming the form field at fault, nothing written on error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, cast, select

from dispatch.admin.services import (
    Errors,
    Translations,
    by_ids,
    clean_text,
    clean_translations,
    commit_unique,
    in_languages,
    raise_if,
    taken,
)
from dispatch.assets.models import Asset, AssetType, AssetTypeField
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.people.models import Skill, User
from dispatch.tickets.models import Category, CategoryField, FieldType, Kind, Ticket

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DURATION_MIN, DURATION_MAX = 5, 1440
MAX_CHOICES, CHOICE_MAX_LEN = 100, 100
POSITION_MAX = 1000
#: What an admin gives in each language, with its longest length (the column's).
CATEGORY_TEXTS = {"name": 120, "description": 300}
FIELD_TEXTS = {"label": 120, "help_text": 200, "choices": CHOICE_MAX_LEN}


def _check_choice_translations(errors: Errors, choices: list[str], texts: dict) -> None:
    for code, shown in texts.get("choices", {}).items():
        if shown and len(shown) != len(choices):
            errors[f"choices_{code}"] = [
                _("Give one line for each choice, in the same order (%(n)d).", n=len(choices))
            ]


def category_snapshot(category: Category) -> dict[str, Any]:
    return {
        "name": category.name,
        "description": category.description,
        "default_kind": category.default_kind,
        "default_duration_min": category.default_duration_min,
        "skills": sorted(s.name for s in category.skills),
        "active": bool(category.active),
    } | in_languages(category)


def save_category(
    category: Category | None,
    actor: User,
    *,
    name: str,
    description: str,
    default_kind: str | None,
    default_duration_min: int | None,
    skill_ids: Iterable[int] = (),
    active: bool = True,
    translations: Translations | None = None,
) -> Category:
    """Create or update a category: default kind, default on-site duration, required skills;
    ``name`` and ``description`` in the company's language, ``translations`` the others'
    ({"name": {"ro": …}})."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, 120, required=True)
    description = clean_text(errors, "description", description, 300)
    texts = clean_translations(errors, translations, CATEGORY_TEXTS, category)
    default_kind = default_kind or None
    if default_kind is not None and default_kind not in set(Kind):
        errors["default_kind"] = [_("Choose remote, on-site or not decided.")]
    if default_duration_min is None or not DURATION_MIN <= default_duration_min <= DURATION_MAX:
        errors["default_duration_min"] = [
            _("Between %(min)d and %(max)d minutes.", min=DURATION_MIN, max=DURATION_MAX)
        ]
    skills = by_ids(errors, "skill_ids", Skill, skill_ids)
    raise_if(errors)

    own_id = category.id if category is not None else None
    before = category_snapshot(category) if category is not None else None
    if category is None:
        category = Category()
        db.session.add(category)
    category.name, category.description, category.default_kind = name, description, default_kind
    category.default_duration_min, category.skills = default_duration_min, skills
    category.active = bool(active)
    category.set_translations(texts)

    def find():
        if taken(Category, "name", name, own_id):
            return "name", _("“%(name)s” already exists.", name=name)
        return None

    commit_unique(find, actor, category, before, category_snapshot)
    return category


Owner = Category | AssetType
FieldRow = CategoryField | AssetTypeField


def _field_model(owner: Owner) -> tuple[type[FieldRow], str]:
    """The field table of ``owner``'s kind, and the column naming the owner."""
    if isinstance(owner, AssetType):
        return AssetTypeField, "asset_type_id"
    return CategoryField, "category_id"


def field_in_use(field: FieldRow) -> bool:
    """Whether any ticket of the field's category (asset of its type) holds a value under its
    key.

    The text match is only a cheap pre-filter that works the same on SQLite and PostgreSQL;
    the decision is made on the decoded JSON.
    """
    if field.id is None:
        return False
    if isinstance(field, AssetTypeField):
        values, owned = Asset.fields, Asset.type_id == field.asset_type_id
    else:
        values, owned = Ticket.fields, Ticket.category_id == field.category_id
    rows = db.session.scalars(
        select(values).where(owned, cast(values, String).like(f'%"{field.key}"%'))
    )
    return any(field.key in (row or {}) for row in rows)


def field_snapshot(field: FieldRow) -> dict[str, Any]:
    owner = "asset_type" if isinstance(field, AssetTypeField) else "category"
    return {
        owner: field.owner.name if field.owner else None,
        "key": field.key,
        "label": field.label,
        "type": field.type,
        "required": bool(field.required),
        "choices": list(field.choices or []),
        "help_text": field.help_text,
        "position": field.position,
        "active": bool(field.active),
    } | in_languages(field)


def save_field(
    owner: Owner,
    field: FieldRow | None,
    actor: User,
    *,
    key: str,
    label: str,
    type: str,
    required: bool = False,
    choices: Iterable[str] = (),
    help_text: str = "",
    position: int | None = 0,
    active: bool = True,
    translations: Translations | None = None,
) -> FieldRow:
    """Create or update one extra field of ``owner`` (a category or an asset type).

    The key is what the API and exports use, so it cannot change once a ticket (an asset)
    holds a value for it; the label, help text and everything else can. The label, the help
    text and the choices are given in the company's language, ``translations`` holds the other
    languages' (the choices one line each, in the same order: tickets keep the company's).
    """
    errors: Errors = {}
    key = (key or "").strip()
    if not KEY.match(key):
        errors["key"] = [
            _(
                "A key is a lower-case letter, then up to 39 lower-case letters, "
                "digits or underscores."
            )
        ]
    elif field is not None and key != field.key and field_in_use(field):
        errors["key"] = [
            _("Records already use the key “%(key)s”; it can no longer change.", key=field.key)
        ]
    label = clean_text(errors, "label", label, 120, required=True)
    help_text = clean_text(errors, "help_text", help_text, 200)
    if type not in set(FieldType):
        errors["type"] = [_("Choose a field type.")]
    choices = [c.strip() for c in choices or () if c and c.strip()]
    texts = clean_translations(errors, translations, FIELD_TEXTS, field)
    if type == FieldType.CHOICE:
        _check_choices(errors, choices)
        _check_choice_translations(errors, choices, texts)
    else:
        choices, texts["choices"] = [], {}
    if position is None or not 0 <= position <= POSITION_MAX:
        errors["position"] = [_("Between 0 and %(max)d.", max=POSITION_MAX)]
    raise_if(errors)

    own_id = field.id if field is not None else None
    before = field_snapshot(field) if field is not None else None
    model, owner_column = _field_model(owner)
    if field is None:
        field = model()
        owner.fields.append(field)
        db.session.add(field)
    field.key, field.label, field.type, field.required = key, label, type, bool(required)
    field.choices, field.help_text, field.position = choices, help_text, position
    field.active = bool(active)
    field.set_translations(texts)

    def find():
        if taken(model, "key", key, own_id, **{owner_column: owner.id}):
            return "key", _("There is already a field with the key “%(key)s”.", key=key)
        return None

    commit_unique(find, actor, field, before, field_snapshot)
    return field


def _check_choices(errors: Errors, choices: list[str]) -> None:
    if not choices:
        errors["choices"] = [_("A choice field needs at least one choice, one per line.")]
    elif len(choices) > MAX_CHOICES:
        errors["choices"] = [_("At most %(n)d choices.", n=MAX_CHOICES)]
    elif any(len(c) > CHOICE_MAX_LEN for c in choices):
        errors["choices"] = [_("A choice has at most %(n)d characters.", n=CHOICE_MAX_LEN)]
    elif len(set(choices)) != len(choices):
        errors["choices"] = [_("Each choice may appear only once.")]


def get_field(owner: Owner, field_id: int) -> FieldRow:
    model, owner_column = _field_model(owner)
    field = db.session.get(model, field_id)
    if field is None or getattr(field, owner_column) != owner.id:
        raise NotFound(_("No such field."))
    return field


def type_snapshot(kind: AssetType) -> dict[str, Any]:
    return {
        "name": kind.name,
        "description": kind.description,
        "active": bool(kind.active),
    } | in_languages(kind)


def save_asset_type(
    kind: AssetType | None,
    actor: User,
    *,
    name: str,
    description: str,
    active: bool = True,
    translations: Translations | None = None,
) -> AssetType:
    """Create or update an asset type (its fields are saved with ``save_field``); names as
    for a category."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, 120, required=True)
    description = clean_text(errors, "description", description, 300)
    texts = clean_translations(errors, translations, CATEGORY_TEXTS, kind)
    raise_if(errors)
    own_id = kind.id if kind is not None else None
    before = type_snapshot(kind) if kind is not None else None
    if kind is None:
        kind = AssetType()
        db.session.add(kind)
    kind.name, kind.description, kind.active = name, description, bool(active)
    kind.set_translations(texts)

    def find():
        if taken(AssetType, "name", name, own_id):
            return "name", _("“%(name)s” already exists.", name=name)
        return None

    commit_unique(find, actor, kind, before, type_snapshot)
    return kind
