"""The company's tickets and their official record: each ticket lived from its creation to
where it is now, as the app would have recorded it (the events and comments its use cases
write), at a steady rate of about 90 requests a day — 100,000 tickets are three years.

Tickets are written newest first in batches, each batch's tickets, comments and events in one
COPY each. The newest on-site requests wait to be planned (the board's day); the next ones
have records 50 events long (the ticket page's scenario); the latest closed on-site jobs had a
technician's visit, whose rows :mod:`dispatch.bench.board` writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg

from dispatch.bench import words
from dispatch.bench.company import Company, Person, Size
from dispatch.bench.rows import as_json, copy_rows
from dispatch.tickets.folding import search_text
from dispatch.tickets.services import PRIORITY_MATRIX

PER_DAY = 90
BATCH = 5_000
LEVELS = ("low", "medium", "medium", "high")
OPEN_MIX = ("new", "new", "triaged", "assigned", "in_progress", "in_progress", "waiting")
TICKET_COLUMNS = (
    "id", "version", "requester_id", "department_id", "site_id", "building", "floor", "room",
    "category_id", "subject", "description", "search_text", "impact", "urgency", "priority",
    "fields", "channel", "status", "kind", "suggested_kind", "suggestion_confidence",
    "suggestion_reason", "assignee_id", "group_id", "duration_min", "created_at", "updated_at",
    "resolved_at", "closed_at",
)  # fmt: skip
EVENT_COLUMNS = ("id", "ticket_id", "actor_id", "created_at", "type", "data", "internal")
COMMENT_COLUMNS = ("id", "ticket_id", "author_id", "body", "internal", "created_at")


@dataclass
class PastVisit:
    ticket_id: int
    technician_id: int
    start: datetime
    minutes: int


@dataclass
class Written:
    """What the scenarios and the board need of the tickets written."""

    today: date
    to_schedule: list[int] = field(default_factory=list)
    heavy: list[int] = field(default_factory=list)
    past_visits: list[PastVisit] = field(default_factory=list)
    tickets: int = 0
    events: int = 0
    comments: int = 0


class Life:
    """One ticket's record as it is being written: events and comments in time order."""

    def __init__(self, ids: list[int], ticket_id: int, at: datetime, rng: random.Random):
        self.ids, self.ticket_id, self.at, self.rng = ids, ticket_id, at, rng
        self.events: list[tuple] = []
        self.comments: list[tuple] = []

    def later(self, minutes: float) -> datetime:
        self.at += timedelta(minutes=minutes * (0.5 + self.rng.random()))
        return self.at

    def event(self, actor: Person | None, type_: str, internal: bool = False, **data) -> None:
        self.ids[0] += 1
        row = (self.ids[0], self.ticket_id, actor.id if actor else None, self.at, type_)
        self.events.append((*row, as_json(data), internal))

    def comment(self, author: Person, body: str, internal: bool = False) -> None:
        self.ids[1] += 1
        self.comments.append((self.ids[1], self.ticket_id, author.id, body, internal, self.at))
        self.event(author, "comment", internal, comment=self.ids[1])

    def status(self, actor: Person | None, old: str, new: str, **data) -> str:
        self.event(actor, "status", old=old, new=new, **data)
        return new


def _request(rng: random.Random, company: Company, requester: Person):
    romanian = rng.random() < 0.7
    category, subject, text = rng.choice(
        words.ROMANIAN_REQUESTS if romanian else words.ENGLISH_REQUESTS
    )
    city = company.sites[requester.site_id][1]
    values = {
        "room": f"{rng.randint(1, 5)}{rng.randint(1, 30):02d}",
        "floor": str(rng.randint(0, 6)),
        "city": city,
        "device": rng.choice(words.DEVICES),
        "app": rng.choice(words.APPS),
    }
    return category, subject.format(**values), text.format(**values), values


def write_tickets(conn: psycopg.Connection, company: Company, size: Size) -> Written:
    rng = random.Random(size.seed * 7919)
    written, ids = Written(company.today), [0, 0]
    batch: tuple[list, list, list] = ([], [], [])
    for k in range(size.tickets, 0, -1):  # newest first
        age_days = (size.tickets - k) / PER_DAY
        created = company.now - timedelta(days=age_days, minutes=rng.randint(5, 600))
        life = Life(ids, k, created, rng)
        batch[0].append(_live(life, company, size, written))
        batch[1].extend(life.comments)
        batch[2].extend(life.events)
        if len(batch[0]) >= BATCH or k == 1:
            written.tickets += copy_rows(conn, "ticket", TICKET_COLUMNS, batch[0])
            written.comments += copy_rows(conn, "comment", COMMENT_COLUMNS, batch[1])
            written.events += copy_rows(conn, "ticket_event", EVENT_COLUMNS, batch[2])
            batch = ([], [], [])
    return written


def _live(life: Life, company: Company, size: Size, written: Written) -> tuple:
    """The ticket's row, after writing its record into ``life``."""
    rng, k = life.rng, life.ticket_id
    requester = rng.choice(company.employees)
    category, subject, description, place = _request(rng, company, requester)
    category_id, default_kind, minutes = company.categories[category]
    kind = default_kind or ("onsite" if rng.random() < 0.4 else "remote")
    impact, urgency = rng.choice(LEVELS), rng.choice(LEVELS)
    created, dispatcher = life.at, rng.choice(company.dispatchers)
    site = company.sites[requester.site_id][0]
    life.event(requester, "created", channel="web", subject=subject, site=site, category=category)
    confidence = round(rng.uniform(0.55, 0.97), 2)
    reason = f"„{subject.split()[0]}”"
    life.event(None, "suggested", True, kind=kind, confidence=confidence, reason=reason)
    age = (company.now - created).days
    if len(written.to_schedule) < size.board_visits:
        kind, target = "onsite", "to_schedule"
        written.to_schedule.append(k)
    elif len(written.heavy) < size.heavy_tickets:
        target = "in_progress"
        written.heavy.append(k)
    elif age < 7:
        target = rng.choice(OPEN_MIX)
    else:
        target = "closed" if age > 10 else "resolved"
    if kind == "onsite" and target in ("triaged", "assigned"):
        target = "in_progress"  # only the board's day waits to be planned
    staff = rng.choice(company.technicians if kind == "onsite" else company.agents)
    status = "new"
    if target != "new":
        life.later(20)
        priority = PRIORITY_MATRIX[(impact, urgency)]
        life.event(dispatcher, "catalogued", True, kind=kind, category=category, priority=priority)
        life.event(dispatcher, "kind", old=None, new=kind, suggested=kind, confidence=confidence)
        status = _work(life, company, dispatcher, staff, kind, target, written, size)
    else:
        staff = None
    if k in written.heavy:
        _long_thread(life, requester, staff)
    resolved = life.at if status == "resolved" else None
    if target == "closed" and status == "resolved":
        life.later(60 * 24 * 3)
        status = life.status(None, "resolved", "closed", reason="closed after three days")
    return (
        k, 1, requester.id, requester.department_id, requester.site_id, "A", place["floor"],
        place["room"], category_id, subject, description, search_text(subject, description),
        impact, urgency, PRIORITY_MATRIX[(impact, urgency)], "{}", "web", status,
        None if target == "new" else kind, kind, confidence, reason,
        staff.id if staff else None, None, minutes if kind == "onsite" else None, created,
        life.at, resolved, life.at if status == "closed" else None,
    )  # fmt: skip


def _work(life: Life, company, dispatcher, staff, kind, target, written, size) -> str:
    """Triage, assignment, the work and its end, as far as ``target``; the status reached."""
    if kind == "onsite":
        status = life.status(dispatcher, "new", "to_schedule")
        if target == "to_schedule":
            return status
    else:
        status = life.status(dispatcher, "new", "triaged")
        if target == "triaged":
            return status
    life.later(60)
    life.event(dispatcher, "assigned", old=None, new=staff.name, assignee=staff.id, group=None)
    if kind == "remote":
        status = life.status(dispatcher, status, "assigned")
    if target == "assigned":
        return status
    visit = kind == "onsite" and len(written.past_visits) < size.visits - size.board_visits
    if visit and target in ("resolved", "closed"):
        status = _visit(life, dispatcher, staff, status, written)
    else:
        life.later(90)
        status = life.status(staff, status, "in_progress")
    life.later(120)
    life.comment(staff, life.rng.choice(words.STAFF_REPLIES))
    if target == "waiting":
        return life.status(staff, status, "waiting")
    if life.rng.random() < 0.5:
        life.later(240)
        life.comment(life.rng.choice(company.employees), life.rng.choice(words.REQUESTER_REPLIES))
    if life.rng.random() < 0.2:
        life.comment(staff, life.rng.choice(words.INTERNAL_NOTES), internal=True)
    if target == "in_progress":
        return status
    life.later(180)
    return life.status(staff, status, "resolved")


def _visit(life: Life, dispatcher, tech, status, written: Written) -> str:
    """A technician's visit on a working day after the request: planned, published, done.
    The plan that published it is the day's run (its id: the day's distance from the
    generation's day, see :func:`dispatch.bench.board.write_past_visits`)."""
    day = (life.at + timedelta(days=1)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    hours = 6 + life.rng.randint(0, 6)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)
    minutes = life.rng.choice((30, 45, 60, 90))
    end = start + timedelta(minutes=minutes)
    written.past_visits.append(PastVisit(life.ticket_id, tech.id, start, minutes))
    life.later(60 * 6)
    plan = (written.today - day).days
    life.event(
        dispatcher,
        "visit",
        status="scheduled",
        plan=plan,
        technician=tech.name,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    status = life.status(dispatcher, status, "scheduled", reason="plan published", plan=plan)
    life.at = max(life.at, end)
    life.event(tech, "visit", status="done", time_spent_min=minutes)
    return status


def _long_thread(life: Life, requester: Person, staff: Person | None) -> None:
    """Back and forth on the thread until the record is 50 events long."""
    rng = life.rng
    while len(life.events) < 50:
        life.later(90)
        if len(life.events) % 2 and staff is not None:
            note = rng.random() < 0.25
            replies = words.INTERNAL_NOTES if note else words.STAFF_REPLIES
            life.comment(staff, rng.choice(replies), internal=note)
        else:
            life.comment(requester, rng.choice(words.REQUESTER_REPLIES))
