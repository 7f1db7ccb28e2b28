"""Keyset ("seek") paging for long lists: the next page starts after the last row shown,
found through the sort keys, instead of skipping N rows with OFFSET.

A page costs the same at row 50 and at row 50,000, and a row added or closed meanwhile does not
shift the pages. The order is a list of ``Key``s whose last one is unique (the ticket id), so
rows that tie on every other key still have one order. A cursor is the sort's name and the
key values of the row it starts from, as URL-safe base64 JSON; it is not secret (the values are
the row's own sort values and pass as bound parameters), but one that does not decode, or was
made for another sort, raises ``BadCursor`` and the caller answers the first page or a 400.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select

from dispatch.extensions import db

MAX_CURSOR = 2000  # characters; a real one is far shorter
MAX_INT = 2**63 - 1


class BadCursor(ValueError):
    """A cursor that this list did not make."""


@dataclass(frozen=True)
class Key:
    """One sort key: an SQL expression, its direction, and the Python type of its values
    (int, str or datetime) that a cursor must carry. A NULL value of a nullable key is allowed
    only where the order puts NULLs in a group of their own (an ``is NULL`` key before it)."""

    expr: ColumnElement[Any]
    descending: bool = False
    kind: type = int


@dataclass
class Page:
    items: list[Any]
    per_page: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def order_by(keys: list[Key], reverse: bool = False) -> list[ColumnElement[Any]]:
    return [k.expr.desc() if k.descending != reverse else k.expr.asc() for k in keys]


def _encode(name: str, back: bool, values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps([name, "b" if back else "a", plain], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _value(raw: Any, kind: type) -> Any:
    if raw is None:
        return None
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) <= MAX_INT:
        return raw
    if kind is str and isinstance(raw, str):
        return raw
    if kind is datetime and isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise BadCursor(raw) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise BadCursor(raw)


def decode(cursor: str, name: str, keys: list[Key]) -> tuple[bool, list[Any]]:
    """(backwards?, the key values) of a cursor made by ``fetch`` for the order ``name``."""
    if len(cursor) > MAX_CURSOR:
        raise BadCursor("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, way, values = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadCursor("undecodable") from None
    if made_for != name or way not in ("a", "b") or not isinstance(values, list):
        raise BadCursor("another list")
    if len(values) != len(keys):
        raise BadCursor("another order")
    return way == "b", [_value(v, k.kind) for v, k in zip(values, keys, strict=True)]


def _beyond(keys: list[Key], values: list[Any], back: bool) -> ColumnElement[bool]:
    """Rows strictly after (or, going back, before) the row with these key values."""
    terms = []
    for i, (key, value) in enumerate(zip(keys, values, strict=True)):
        if value is None:
            continue  # nothing sorts strictly past NULL within the NULL group
        later = key.expr < value if key.descending != back else key.expr > value
        # "=" rather than IS NOT DISTINCT FROM, which no index serves; NULL only where it is.
        same = [
            k.expr.is_(None) if v is None else k.expr == v
            for k, v in zip(keys[:i], values[:i], strict=True)
        ]
        terms.append(and_(*same, later))
    return or_(*terms) if terms else false()


def fetch(query: Select, keys: list[Key], name: str, cursor: str | None, per_page: int) -> Page:
    """One page of ``query`` (a select of one entity; its ORDER BY is replaced) in the order
    ``keys``, starting after (or, for a 'previous' cursor, before) the cursor's row. One
    query: it asks for one row more than a page to know whether there is another page."""
    back, values = decode(cursor, name, keys) if cursor else (False, None)
    query = query.order_by(None)
    if values is not None:
        query = query.where(_beyond(keys, values, back))
    labelled = [k.expr.label(f"key_{i}") for i, k in enumerate(keys)]
    rows = db.session.execute(
        query.add_columns(*labelled).order_by(*order_by(keys, reverse=back)).limit(per_page + 1)
    ).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if back:
        rows.reverse()
    page = Page(items=[r[0] for r in rows], per_page=per_page)
    if rows:
        first, last = list(rows[0][1:]), list(rows[-1][1:])
        # Going forward there is a page before the cursor; going back, one after it.
        if (more and not back) or (values is not None and back):
            page.next_cursor = _encode(name, False, last)
        if (more and back) or (values is not None and not back):
            page.prev_cursor = _encode(name, True, first)
    return page


def count_upto(query: Select, cap: int) -> int:
    """How many rows ``query`` has, counting no further than ``cap`` + 1: a page shows "more
    than 1,000" without counting all 100,000."""
    ones = query.order_by(None).with_only_columns(literal(1), maintain_column_froms=True)
    limited = ones.limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) or 0
