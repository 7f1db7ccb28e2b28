"""Read-only questions the staff pages ask: the inbox with its filters, the queue, the jobs,
and the CSV export. Every query starts from access.visible_tickets(user)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from dispatch.extensions import db
from dispatch.people.models import Department, User, user_groups
from dispatch.sites.models import Site
from dispatch.tickets.access import visible_tickets
from dispatch.tickets.models import OPEN_STATUSES, PRIORITY_RANK, Category, Kind, Status, Ticket
from dispatch.types import utcnow

OPEN = sorted(OPEN_STATUSES)
INT_MAX = 2**31 - 1  # ticket ids are 32-bit integers on PostgreSQL
AGE_DAYS = {"1d": 1, "3d": 3, "7d": 7, "30d": 30, "gt7d": -7, "gt30d": -30}
STATUS_RANK = case({s.value: i for i, s in enumerate(Status)}, value=Ticket.status, else_=99)
PRIORITY_ORDER = case(
    {p.value: r for p, r in PRIORITY_RANK.items()}, value=Ticket.priority, else_=0
)
SORTS = {
    "number": Ticket.id,
    "subject": func.lower(Ticket.subject),
    "site": Site.name,
    "department": Department.name,
    "category": Category.name,
    "kind": Ticket.kind,
    "status": STATUS_RANK,
    "priority": PRIORITY_ORDER,
    "age": Ticket.created_at,
}
#: Columns whose natural first click is "largest first".
DESC_FIRST = {"priority"}


def escape_like(text: str) -> str:
    """Make % and _ (and the escape character itself) literal in a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(q: str):
    """'#12' finds ticket 12; '12' finds ticket 12 or the text; anything else is text."""
    q = q.strip()
    number = re.fullmatch(r"#\s*(\d{1,12})", q)
    if number:
        n = int(number.group(1))
        return Ticket.id == n if n <= INT_MAX else Ticket.id.is_(None)
    pattern = f"%{escape_like(q)}%"
    text = or_(
        Ticket.subject.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\")
    )
    if q.isdigit() and len(q) <= 12 and int(q) <= INT_MAX:
        return or_(Ticket.id == int(q), text)
    return text


def inbox_query(user: User, f: Mapping[str, Any]) -> Select:
    """The inbox for these filters (keys as in InboxFilterForm), sorted."""
    query = visible_tickets(user)
    if f.get("q"):
        query = query.where(search_clause(f["q"]))
    for key, column in (
        ("site", Ticket.site_id),
        ("department", Ticket.department_id),
        ("category", Ticket.category_id),
    ):
        if f.get(key) is not None:
            query = query.where(column == f[key])
    kind = f.get("kind") or ""
    if kind == "none":
        query = query.where(Ticket.kind.is_(None))
    elif kind in set(Kind):
        query = query.where(Ticket.kind == kind)
    status = f.get("status") or "open"
    if status == "open":
        query = query.where(Ticket.status.in_(OPEN))
    elif status in set(Status):
        query = query.where(Ticket.status == status)
    if f.get("priority"):
        query = query.where(Ticket.priority == f["priority"])
    days = AGE_DAYS.get(f.get("age") or "")
    if days:
        cutoff = utcnow() - timedelta(days=abs(days))
        query = query.where(Ticket.created_at >= cutoff if days > 0 else Ticket.created_at < cutoff)
    return _sorted(query, f.get("sort") or "", f.get("dir") or "")


def with_row_data(query: Select) -> Select:
    """Load what the list rows show in a few queries instead of several per row."""
    return query.options(
        selectinload(Ticket.requester),
        selectinload(Ticket.category),
        selectinload(Ticket.site),
        selectinload(Ticket.department),
        selectinload(Ticket.assignee),
        selectinload(Ticket.group),
    )


def _sorted(query: Select, sort: str, direction: str) -> Select:
    if sort not in SORTS:  # default: new tickets first, then the most urgent, oldest first
        return query.order_by(STATUS_RANK, PRIORITY_ORDER.desc(), Ticket.created_at, Ticket.id)
    if sort == "site":
        query = query.outerjoin(Site, Site.id == Ticket.site_id)
    elif sort == "department":
        query = query.outerjoin(Department, Department.id == Ticket.department_id)
    elif sort == "category":
        query = query.outerjoin(Category, Category.id == Ticket.category_id)
    column = SORTS[sort]
    descending = direction == "desc"
    if sort == "age":  # older = larger age = earlier creation
        descending = not descending
    # Empty values last in both directions, the same on SQLite and PostgreSQL.
    return query.order_by(
        column.is_(None), column.desc() if descending else column.asc(), Ticket.id
    )


QUEUE_TABS = ("mine", "groups", "unassigned")


def queue_query(user: User, tab: str) -> Select:
    """An agent's open remote tickets: assigned to them, to their groups, or to nobody."""
    query = visible_tickets(user).where(Ticket.kind == Kind.REMOTE, Ticket.status.in_(OPEN))
    if tab == "mine":
        query = query.where(Ticket.assignee_id == user.id)
    elif tab == "groups":
        mine = select(user_groups.c.group_id).where(user_groups.c.user_id == user.id)
        query = query.where(Ticket.group_id.in_(mine))
    else:
        query = query.where(Ticket.assignee_id.is_(None), Ticket.group_id.is_(None))
    return query.order_by(PRIORITY_ORDER.desc(), Ticket.created_at, Ticket.id)


def queue_counts(user: User) -> dict[str, int]:
    return {
        tab: db.session.scalar(
            select(func.count()).select_from(queue_query(user, tab).order_by(None).subquery())
        )
        for tab in QUEUE_TABS
    }


def jobs_query(user: User) -> Select:
    """A technician's open on-site tickets: appointments first in time order, then by priority."""
    return (
        visible_tickets(user)
        .where(Ticket.kind == Kind.ONSITE, Ticket.assignee_id == user.id, Ticket.status.in_(OPEN))
        .order_by(
            Ticket.appointment_start.is_(None),
            Ticket.appointment_start,
            PRIORITY_ORDER.desc(),
            Ticket.created_at,
            Ticket.id,
        )
    )


# --- CSV export ---------------------------------------------------------------------------------

EXPORT_MAX_ROWS = 20_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The columns' headers, in the exporting person's language (the cells keep machine formats:
# ISO times, status keys), so that a spreadsheet reads the values the same in every language.
BASE_COLUMNS = (
    _l("Number"),
    _l("Created (UTC)"),
    _l("Status"),
    _l("Kind"),
    _l("Priority"),
    _l("Category"),
    _l("Site"),
    _l("Department"),
    _l("Requester"),
    _l("Assignee"),
    _l("Group"),
    _l("Subject"),
    _l("Suggested kind"),
    _l("Suggestion confidence"),
    _l("Duration (min)"),
    _l("Due (UTC)"),
)


def safe_cell(value: Any) -> Any:
    """A spreadsheet cannot run what it reads from the file: text that a spreadsheet would
    read as a formula is prefixed with an apostrophe. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _field_keys(tickets: Iterable[Ticket]) -> list[str]:
    """The union of the extra fields of the tickets' categories, in definition order, plus any
    key a ticket still carries from a field that was since removed."""
    keys: dict[str, None] = {}
    seen: set[int] = set()
    for t in tickets:
        if t.category is not None and t.category.id not in seen:
            seen.add(t.category.id)
            keys.update((f.key, None) for f in t.category.fields)
    for t in tickets:
        keys.update((k, None) for k in (t.fields or {}))
    return list(keys)


def _row(t: Ticket, keys: list[str]) -> list[Any]:
    base = [
        t.number,
        t.created_at.isoformat(),
        t.status,
        t.kind,
        t.priority,
        t.category.name if t.category else None,
        t.site.name if t.site else None,
        t.department.name if t.department else None,
        t.requester.email,
        t.assignee.email if t.assignee else None,
        t.group.name if t.group else None,
        t.subject,
        t.suggested_kind,
        t.suggestion_confidence,
        t.duration_min,
        t.due_at.isoformat() if t.due_at else None,
    ]
    extra = [(t.fields or {}).get(k) for k in keys]
    return [safe_cell(v) for v in base + extra]


def export_csv(query: Select) -> str:
    """The inbox's current selection as CSV text (at most EXPORT_MAX_ROWS rows)."""
    query = with_row_data(query).options(
        selectinload(Ticket.category).selectinload(Category.fields)
    )
    tickets = list(db.session.scalars(query.limit(EXPORT_MAX_ROWS)))
    keys = _field_keys(tickets)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [safe_cell(str(c)) for c in BASE_COLUMNS] + [safe_cell(f"field:{k}") for k in keys]
    )
    for t in tickets:
        writer.writerow(_row(t, keys))
    return out.getvalue()
