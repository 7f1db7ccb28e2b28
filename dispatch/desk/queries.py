"""Read-only questions the staff pages ask: the inbox with its filters, the queue, the jobs,
and the CSV export. Every query starts from access.visible_tickets(user)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from dispatch.extensions import db
from dispatch.keyset import BadCursor, Key, Page, count_upto, fetch, order_by
from dispatch.people.models import Department, User, user_groups
from dispatch.sites.models import Site
from dispatch.sla.status import breached_clause
from dispatch.tickets.access import visible_tickets
from dispatch.tickets.models import OPEN_STATUSES, PRIORITY_RANK, Category, Kind, Status, Ticket
from dispatch.tickets.search import search_clause
from dispatch.types import utcnow

OPEN = sorted(OPEN_STATUSES)
AGE_DAYS = {"1d": 1, "3d": 3, "7d": 7, "30d": 30, "gt7d": -7, "gt30d": -30}
STATUS_RANK = case({s.value: i for i, s in enumerate(Status)}, value=Ticket.status, else_=99)
PRIORITY_ORDER = case(
    {p.value: r for p, r in PRIORITY_RANK.items()}, value=Ticket.priority, else_=0
)
#: name → (expression, type of its values, may it be empty?)
SORTS = {
    "number": (Ticket.id, int, False),
    "subject": (func.lower(Ticket.subject), str, False),
    "site": (Site.name, str, True),
    "department": (Department.name, str, True),
    "category": (Category.name, str, True),
    "kind": (Ticket.kind, str, True),
    "status": (STATUS_RANK, int, False),
    "priority": (PRIORITY_ORDER, int, False),
    "age": (Ticket.created_at, datetime, False),
    "due": (Ticket.sla_due_at, datetime, True),  # the next service-level deadline
}
#: Columns whose natural first click is "largest first".
DESC_FIRST = {"priority"}
#: The lists say "more than this many" rather than count every match.
COUNT_CAP = 1000
#: Default order: new tickets first, then the most urgent, oldest first.
DEFAULT_KEYS = [
    Key(STATUS_RANK),
    Key(PRIORITY_ORDER, descending=True),
    Key(Ticket.created_at, kind=datetime),
    Key(Ticket.id),
]
QUEUE_KEYS = DEFAULT_KEYS[1:]
#: The queue by its next deadline: the most overdue first, tickets without one last.
QUEUE_DUE_KEYS = [
    Key(case((Ticket.sla_due_at.is_(None), 1), else_=0)),
    Key(Ticket.sla_due_at, kind=datetime),
    Key(Ticket.id),
]


def inbox_query(user: User, f: Mapping[str, Any]) -> Select:
    """The inbox for these filters (keys as in InboxFilterForm), sorted."""
    query = visible_tickets(user)
    if f.get("q"):
        clause = search_clause(f["q"])
        if clause is not None:
            query = query.where(clause)
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
    if f.get("sla") == "breached":
        query = query.where(breached_clause(utcnow()))
    days = AGE_DAYS.get(f.get("age") or "")
    if days:
        cutoff = utcnow() - timedelta(days=abs(days))
        query = query.where(Ticket.created_at >= cutoff if days > 0 else Ticket.created_at < cutoff)
    sort = f.get("sort") or ""
    if sort == "site":
        query = query.outerjoin(Site, Site.id == Ticket.site_id)
    elif sort == "department":
        query = query.outerjoin(Department, Department.id == Ticket.department_id)
    elif sort == "category":
        query = query.outerjoin(Category, Category.id == Ticket.category_id)
    return query.order_by(*order_by(inbox_keys(f)))


def inbox_order(f: Mapping[str, Any]) -> str:
    """The name of the inbox's order, which its page cursors carry."""
    sort = f.get("sort") or ""
    if sort not in SORTS:
        return "inbox"
    return f"inbox:{sort}:{'desc' if f.get('dir') == 'desc' else 'asc'}"


def inbox_keys(f: Mapping[str, Any]) -> list[Key]:
    """The inbox's sort keys; every order ends with the ticket number, which is unique."""
    sort = f.get("sort") or ""
    if sort not in SORTS:
        return DEFAULT_KEYS
    column, kind, nullable = SORTS[sort]
    descending = f.get("dir") == "desc"
    if sort == "age":  # older = larger age = earlier creation
        descending = not descending
    if sort == "number":
        return [Key(Ticket.id, descending)]
    # Empty values last in both directions, the same on SQLite and PostgreSQL.
    empty_last = [Key(case((column.is_(None), 1), else_=0))] if nullable else []
    return [*empty_last, Key(column, descending, kind), Key(Ticket.id)]


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


def ticket_page(query: Select, keys: list[Key], name: str, cursor: str, per_page: int) -> Page:
    """One page of a staff list with its rows' data, and how many match (up to COUNT_CAP).
    A cursor this list did not make gives the first page, marked ``extra["reset"]``."""
    try:
        page = fetch(with_row_data(query), keys, name, cursor or None, per_page)
    except BadCursor:
        page = fetch(with_row_data(query), keys, name, None, per_page)
        page.extra["reset"] = True
    page.extra["count"] = count_upto(query, COUNT_CAP)
    page.extra["cap"] = COUNT_CAP
    return page


QUEUE_TABS = ("mine", "groups", "unassigned")


def queue_query(user: User, tab: str, keys: list[Key] = QUEUE_KEYS) -> Select:
    """An agent's open remote tickets: assigned to them, to their groups, or to nobody."""
    query = visible_tickets(user).where(Ticket.kind == Kind.REMOTE, Ticket.status.in_(OPEN))
    if tab == "mine":
        query = query.where(Ticket.assignee_id == user.id)
    elif tab == "groups":
        mine = select(user_groups.c.group_id).where(user_groups.c.user_id == user.id)
        query = query.where(Ticket.group_id.in_(mine))
    else:
        query = query.where(Ticket.assignee_id.is_(None), Ticket.group_id.is_(None))
    return query.order_by(*order_by(keys))


def queue_counts(user: User) -> dict[str, int]:
    """Each tab's number of tickets, counted up to COUNT_CAP + 1."""
    return {tab: count_upto(queue_query(user, tab), COUNT_CAP) for tab in QUEUE_TABS}


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
        t.category.text("name") if t.category else None,
        t.site.name if t.site else None,
        t.department.text("name") if t.department else None,
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
