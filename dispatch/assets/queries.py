"""Reading assets: the searched list a page at a time, and a device's whole history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from dispatch.assets.access import visible_assets
from dispatch.assets.models import Asset
from dispatch.collation import fold, folded
from dispatch.extensions import db
from dispatch.keyset import Key, Page, fetch
from dispatch.patterns import contains
from dispatch.people.models import User
from dispatch.planning.models import Visit, VisitStatus
from dispatch.tickets.access import visible_tickets
from dispatch.tickets.event_text import describe
from dispatch.tickets.models import OPEN_STATUSES, PREVENTIVE, Kind, Ticket
from dispatch.tickets.sentences import Part
from dispatch.types import utcnow

#: The tag is unique: it alone orders the list and makes the cursor.
LIST_KEYS = [Key(Asset.tag, kind=str)]
SEARCH_MAX = 100
#: "Repeat failure": this many on-site visits to one device within REPEAT_DAYS.
REPEAT_VISITS = 3
REPEAT_DAYS = 90


def search(
    user: User,
    q: str | None = None,
    *,
    site_id: int | None = None,
    status: str | None = None,
    type_id: int | None = None,
) -> Select:
    """The assets ``user`` sees whose tag, serial, model or room contains every word of ``q``
    (any case, diacritics aside), narrowed by site, status and type."""
    query = visible_assets(user)
    for word in (q or "")[:SEARCH_MAX].split():
        pattern = contains(fold(word))
        query = query.where(
            or_(
                *(
                    folded(column).like(pattern, escape="\\")
                    for column in (Asset.tag, Asset.serial, Asset.model, Asset.room)
                )
            )
        )
    for column, value in (
        (Asset.site_id, site_id),
        (Asset.status, status),
        (Asset.type_id, type_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def page(query: Select, cursor: str | None, per_page: int, name: str = "assets") -> Page:
    """One page of ``query`` in tag order (raises keyset.BadCursor for a foreign cursor)."""
    loaded = query.options(
        joinedload(Asset.type),
        joinedload(Asset.site),
        joinedload(Asset.owner),
        joinedload(Asset.department),
    )
    return fetch(loaded, LIST_KEYS, name, cursor, per_page)


@dataclass
class Job:
    """One request about the device, with its on-site visits."""

    ticket: Ticket
    visits: list[Visit]
    #: Who did what: the ticket's public events as sentences (dispatch.tickets.event_text).
    lines: list[tuple[datetime, list[Part]]] = field(default_factory=list)
    #: Whether the viewer may open the ticket (staff see every device's history, not every
    #: ticket's page).
    openable: bool = False

    @property
    def minutes_on_site(self) -> int:
        return sum(visit_minutes(v) for v in self.visits)


def visit_minutes(visit: Visit) -> int:
    """Time on site: what the technician noted, else arrival to done."""
    if visit.time_spent_min is not None:
        return visit.time_spent_min
    if visit.arrived_at and visit.done_at:
        return max(0, int((visit.done_at - visit.arrived_at).total_seconds() // 60))
    return 0


def history(asset: Asset, viewer: User) -> list[Job]:
    """Every request about ``asset``, newest first, with its visits (cancelled ones left out)
    and its public events: all of them for staff, those an employee may see for them."""
    base = select(Ticket) if viewer.is_staff else visible_tickets(viewer)
    tickets = list(
        db.session.scalars(
            base.where(Ticket.asset_id == asset.id)
            .options(
                joinedload(Ticket.requester),
                joinedload(Ticket.assignee),
                selectinload(Ticket.events),
            )
            .order_by(Ticket.id.desc())
        ).unique()
    )
    visits: dict[int, list[Visit]] = {t.id: [] for t in tickets}
    if tickets:
        rows = db.session.scalars(
            select(Visit)
            .where(Visit.ticket_id.in_(list(visits)), Visit.status != VisitStatus.CANCELLED)
            .options(joinedload(Visit.technician))
            .order_by(Visit.planned_start)
        )
        for visit in rows:
            visits[visit.ticket_id].append(visit)
    ids = [t.id for t in tickets]
    openable = set(
        db.session.scalars(
            visible_tickets(viewer).with_only_columns(Ticket.id).where(Ticket.id.in_(ids))
        )
    )
    return [
        Job(
            t,
            visits[t.id],
            [(e.created_at, describe(e)[0]) for e in t.events if not e.internal],
            t.id in openable,
        )
        for t in tickets
    ]


def repeat_failure(asset: Asset, now: datetime | None = None) -> bool:
    """Whether the device had REPEAT_VISITS or more on-site visits (done or under way) for
    reported failures in the last REPEAT_DAYS days: a sign it wants replacing rather than
    another repair. Preventive visits do not count."""
    since = (now or utcnow()) - timedelta(days=REPEAT_DAYS)
    count = db.session.scalar(
        select(func.count(Visit.id))
        .join(Ticket, Ticket.id == Visit.ticket_id)
        .where(
            Ticket.asset_id == asset.id,
            Ticket.kind == Kind.ONSITE,
            Ticket.channel != PREVENTIVE,  # a planned service is not a failure
            Visit.status != VisitStatus.CANCELLED,
            Visit.planned_start >= since,
        )
    )
    return (count or 0) >= REPEAT_VISITS


def open_jobs(jobs: list[Job]) -> list[Job]:
    return [j for j in jobs if j.ticket.status in OPEN_STATUSES]
