"""Assets in and out of CSV, the shape most companies keep their inventory in today.

The export's columns are the import's, so an exported file comes back in unchanged. An import
is checked whole first (``read``): every bad cell is reported by its line and column, and
``save`` then writes every row in one transaction — a file is imported entirely or not at all.
A row whose tag exists updates that asset; any other row creates one. Cells are exported safe
to open in a spreadsheet (a leading = + - @ is escaped with an apostrophe, which the import
takes off again).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from dispatch.assets.models import Asset, AssetType
from dispatch.assets.services import (
    AssetInput,
    apply,
    check,
    link_tickets,
    normal_tag,
    snapshot,
    target,
)
from dispatch.audit.record import record_admin_event
from dispatch.desk.queries import FORMULA_START, safe_cell
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Department, User
from dispatch.sites.models import Site
from dispatch.types import utcnow

COLUMNS = (
    "tag", "type", "serial", "model", "maker", "site", "building", "floor", "room",
    "owner", "department", "status", "purchased_on", "warranty_until", "notes",
)  # fmt: skip
REQUIRED = ("tag", "type")
FIELD_COLUMN = "field:"
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
EXPORT_MAX_ROWS = 50_000


@dataclass
class Problem:
    line: int
    column: str
    message: str


@dataclass
class Row:
    line: int
    data: AssetInput
    existing: Asset | None


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems


def _plain(cell: str) -> str:
    """A cell as typed: an apostrophe our export put before a formula character comes off."""
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


class _Lookup:
    """Names in the file → rows, each table read once (case and surrounding spaces aside)."""

    def __init__(self) -> None:
        self.types = {t.name.lower(): t for t in db.session.scalars(select(AssetType))}
        sites = list(db.session.scalars(select(Site).where(Site.active)))
        self.sites = {s.name.lower(): s for s in sites}
        self.sites.update({s.code.lower(): s for s in sites if s.code})
        departments = db.session.scalars(select(Department).where(Department.active))
        self.departments = {d.name.lower(): d for d in departments}

    def person(self, email: str) -> int | None:
        return db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))


def decode(raw: bytes) -> str:
    """An uploaded file's text; ValidationError if it is not UTF-8 (``read`` checks its size)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("Save the file as CSV in UTF-8 and try again."), field="file"
        ) from None


def _reader(text: str) -> csv.reader:
    first = text.split("\n", 1)[0]
    # Spreadsheets in many languages (Romanian among them) separate with ";".
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read(text: str) -> Preview:
    """Check a whole CSV file's text; nothing is written. Raises ValidationError for a file
    that is not CSV at all (too large, no header)."""
    if len(text) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(n)d MB.", n=MAX_BYTES // 1048576), field="file"
        )
    reader = _reader(text)
    preview = Preview()
    header = [h.strip().lower() for h in next(reader, [])]
    if not any(header):
        raise ValidationError(_("The file is empty."), field="file")
    for name in header:
        if name not in COLUMNS and not (name.startswith(FIELD_COLUMN) and len(name) > 6):
            preview.problems.append(Problem(1, name, _("Unknown column.")))
    for name in REQUIRED:
        if name not in header:
            preview.problems.append(Problem(1, name, _("This column is required.")))
    if preview.problems:
        return preview
    lookup, seen = _Lookup(), {}
    existing = {a.tag: a for a in db.session.scalars(select(Asset))}
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(preview.rows) >= MAX_ROWS:
                message = _("At most %(n)d rows in one file.", n=MAX_ROWS)
                preview.problems.append(Problem(reader.line_num, "", message))
                break
            if len(cells) > len(header):
                message = _("More cells than the header has columns.")
                preview.problems.append(Problem(reader.line_num, "", message))
                continue
            row = dict(zip(header, cells, strict=False))  # a short row: the rest is empty
            _row(preview, lookup, existing, seen, reader.line_num, row)
    except csv.Error as exc:
        preview.problems.append(Problem(reader.line_num, "", str(exc)))
    return preview


def _row(preview: Preview, lookup: _Lookup, existing, seen, line: int, cells: dict) -> None:
    def cell(name: str) -> str:
        return _plain(cells.get(name) or "")

    problems: list[Problem] = []
    ids: dict[str, int | None] = {}
    for column, table in (("type", lookup.types), ("site", lookup.sites)):
        name = cell(column)
        found = table.get(name.lower()) if name else None
        if name and found is None:
            problems.append(Problem(line, column, _("Unknown: %(v)s.", v=name[:120])))
        ids[column] = found.id if found else None
    department = cell("department")
    dept = lookup.departments.get(department.lower()) if department else None
    if department and dept is None:
        problems.append(Problem(line, "department", _("Unknown: %(v)s.", v=department[:120])))
    owner_id = lookup.person(cell("owner")) if cell("owner") else None
    if cell("owner") and owner_id is None:
        problems.append(
            Problem(line, "owner", _("Nobody has the address %(e)s.", e=cell("owner")[:254]))
        )
    status = cell("status").lower().replace(" ", "_") or "in_use"
    data = AssetInput(
        type_id=ids["type"],
        tag=cell("tag"),
        **{name: cell(name) for name in ("serial", "model", "maker", "building", "floor", "room")},
        site_id=ids["site"],
        owner_id=owner_id,
        department_id=dept.id if dept else None,
        status=status,
        purchased_on=cell("purchased_on") or None,
        warranty_until=cell("warranty_until") or None,
        notes=cell("notes"),
        fields={k[len(FIELD_COLUMN):]: _plain(v) for k, v in cells.items()
                if k.startswith(FIELD_COLUMN) and _plain(v or "")},
    )  # fmt: skip
    named = {p.column for p in problems}  # an unknown name is said once, in its own words
    for key, messages in check(data)[1].items():
        column = FIELD_COLUMN + key[7:] if key.startswith("fields.") else key
        if column not in named and column != "fields":
            problems.append(Problem(line, column, messages[0]))
    tag = normal_tag(data.tag)
    if tag and tag in seen:
        message = _("The tag %(tag)s is also on line %(line)d.", tag=tag, line=seen[tag])
        problems.append(Problem(line, "tag", message))
    elif tag:
        seen[tag] = line
    preview.problems.extend(problems)
    preview.rows.append(Row(line, data, existing.get(tag)))


def save(preview: Preview, actor: Any) -> int:
    """Write a checked file's rows in one transaction; how many assets were created or
    updated. A file with a problem writes nothing (ValidationError)."""
    if not preview.ok:
        raise ValidationError(_("Correct the file first: nothing was imported."), field="file")
    try:
        for row in preview.rows:
            values, errors = check(row.data)
            if errors:  # changed since the preview (another editor): nothing is kept
                first = next(iter(errors))
                raise ValidationError(f"{row.line}: {first}: {errors[first][0]}", field="file")
            asset, before = row.existing, snapshot(row.existing) if row.existing else None
            if asset is None:
                asset = Asset(created_at=utcnow())
                db.session.add(asset)
            apply(asset, values)
            db.session.flush()
            action = "created" if before is None else "changed"
            record_admin_event(actor, action, target(asset), before, snapshot(asset))
            link_tickets(asset)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(
            _("Another asset took one of these tags meanwhile; nothing was imported."), field="file"
        ) from None
    except Exception:
        db.session.rollback()
        raise
    return len(preview.rows)


def export(query) -> str:
    """The selected assets as CSV text in the import's columns, every cell spreadsheet-safe."""
    assets = list(
        db.session.scalars(
            query.options(selectinload(Asset.type).selectinload(AssetType.fields))
            .order_by(Asset.tag)
            .limit(EXPORT_MAX_ROWS)
        )
    )
    keys: dict[str, None] = {}
    for a in assets:
        keys.update((f.key, None) for f in a.type.fields)
        keys.update((k, None) for k in a.fields or {})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, *(FIELD_COLUMN + k for k in keys)])
    for a in assets:
        row = [
            a.tag, a.type.name, a.serial, a.model, a.maker,
            a.site.code or a.site.name if a.site else "", a.building, a.floor, a.room,
            a.owner.email if a.owner else "", a.department.name if a.department else "",
            a.status, a.purchased_on.isoformat() if a.purchased_on else "",
            a.warranty_until.isoformat() if a.warranty_until else "", a.notes,
            *((a.fields or {}).get(k, "") for k in keys),
        ]  # fmt: skip
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
