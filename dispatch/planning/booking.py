"""Slots to book: when a technician can come for one on-site ticket, and booking one.

The days offered are the next ``PLANNING_SLOT_DAYS`` days from tomorrow (today's technicians
may already be on the road: the re-plan of today is for that). Their published visits are the
plan as it stands, each pinned at its time (people were told those times, so a booking never
moves them); the engine tries the ticket at every place of every technician's day
(:func:`dispatch.routing.recommend.recommend`) and the best few are offered, each as the hour
in the site's time that holds its start. Booking one re-checks it against the day as it is then:
if the technician's day changed since the slots were shown, nothing is booked. A booked visit
is published at once, pinned, in a run of its own (kind ``booking``), and recorded on the
ticket like a published plan's visit; like a publication, it makes the proposals for its day
(and any proposal with the ticket) out of date. A plan made later for that day keeps the
booked visit where it is (:func:`.runs.start_run`).

The slots are computed while the page is made, synchronously: the engine answers in
milliseconds for a day of 200 visits (docs/benchmarks.md, "Slots to book"); the reading of the
days around it (visits, shifts, the travel matrix, as a plan run reads them) is not timed yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.notifications.services import notify
from dispatch.people.models import User
from dispatch.routing.recommend import PlanError, held_plan, recommend, unfit
from dispatch.stored_text import day as day_text
from dispatch.stored_text import said
from dispatch.tickets.changes import commit
from dispatch.tickets.models import Kind, Status, Ticket
from dispatch.types import utcnow

from . import problem as builder
from .engine_reasons import say
from .models import PlanRun, RunStatus, Visit, VisitStatus
from .services import schedule, supersede_others

#: Slots offered for a ticket.
TOP = 5


@dataclass(frozen=True)
class Offer:
    """One slot: the technician, the day, when the visit starts and the hour people are told
    (UTC; shown in the site's time), and the technician's day as it was (``stamp``)."""

    technician_id: int
    name: str
    day: date
    start: datetime
    window: tuple[datetime, datetime]
    travel_min: int
    stamp: str
    zone: ZoneInfo

    def words(self) -> str:
        """ "Tuesday 10:00–11:00, technician Ana", in the reader's language, site time."""
        a, b = (t.astimezone(self.zone) for t in self.window)
        return _(
            "%(day)s %(start)s–%(end)s, technician %(name)s",
            day=format_date(a.date(), "EEEE d MMMM"),
            start=f"{a:%H:%M}",
            end=f"{b:%H:%M}",
            name=self.name,
        )


@dataclass
class Found:
    """The slots offered, best first, and the (technician, day) pairs left out."""

    offers: list[Offer]
    unfit: list[tuple[str, date]]


class SlotTaken(Conflict):
    """The slot chosen no longer fits the technician's day as it is now."""


def can_book(ticket: Ticket) -> bool:
    """An on-site ticket waiting for its visit."""
    return (
        ticket.kind == Kind.ONSITE
        and ticket.status == Status.TO_SCHEDULE
        and ticket.merged_into_id is None
    )


def _stamp(visits: list[Visit], technician_id: int, day: date) -> str:
    """The technician's day as it is: any visit added, moved or cancelled changes it."""
    mine = sorted(
        f"{v.id}:{v.planned_start.isoformat()}"
        for v in visits
        if v.technician_id == technician_id and v.day == day
    )
    return hashlib.sha256("|".join(mine).encode()).hexdigest()[:16]


def find_slots(ticket: Ticket, now: datetime | None = None, top: int | None = TOP) -> Found:
    """The best ``top`` slots for ``ticket`` (None: every feasible one), best first, and the
    technicians' days left out because their booked visits do not fit as they stand. Raises
    :class:`ValidationError` when the ticket cannot be booked, with the reason."""
    if not can_book(ticket):
        raise ValidationError(_("Only an on-site ticket waiting to be scheduled can be booked."))
    now = now or utcnow()
    days = int(current_app.config.get("PLANNING_SLOT_DAYS", 5))
    first = now.date() + timedelta(days=1)
    held = list(
        db.session.scalars(
            db.select(Visit).where(
                Visit.day >= first,
                Visit.day < first + timedelta(days=days),
                Visit.status == VisitStatus.PUBLISHED,
            )
        )
    )
    pins = [builder.Pin(v.ticket_id, v.technician_id, v.day, v.planned_start) for v in held]
    built = builder.build(
        first,
        days,
        now=now,
        pins=pins,
        only_ids=[ticket.id],
        extra_ids=[v.ticket_id for v in held],
    )
    if ticket.id not in built.jobs:
        why = next((u["reason"] for u in built.unplannable if u["ticket_id"] == ticket.id), None)
        raise ValidationError(
            _("No slot can be offered: %(why)s.", why=say(why))
            if why
            else _("No slot can be offered for this ticket.")
        )
    job = next(j for j in built.problem.jobs if j.id == ticket.id)
    day_problem = replace(built.problem, jobs=[j for j in built.problem.jobs if j.id != ticket.id])
    zone = builder.ticket_zone(ticket)
    # The hours people are told are the site's: align the slots on its clock.
    offset = zone.utcoffset(built.epoch.replace(tzinfo=None))
    align = int(offset.total_seconds()) % 3600 if offset is not None else 0
    # A day booked beyond what the engine finds possible (a visit moved by hand with no time
    # to drive to it) is left out, and the page says whose: the others still get their slots.
    bad = unfit(day_problem)
    found = Found(
        [], [(built.vehicles[v]["name"], date.fromisoformat(built.vehicles[v]["day"])) for v in bad]
    )
    day_problem = replace(
        day_problem, vehicles=[v for v in day_problem.vehicles if v.id not in bad]
    )
    try:
        slots = recommend(day_problem, held_plan(day_problem), job, top=top or 10**6, align=align)
    except PlanError as exc:
        raise ValidationError(
            _("The technicians' booked days cannot be read as they stand: %(e)s", e=str(exc))
        ) from None
    for slot in slots:
        who = built.vehicles[slot.vehicle]
        on = date.fromisoformat(who["day"])
        found.offers.append(
            Offer(
                technician_id=who["technician_id"],
                name=who["name"],
                day=on,
                start=built.moment(slot.start),
                window=(built.moment(slot.window[0]), built.moment(slot.window[1])),
                travel_min=round(slot.travel / 60),
                stamp=_stamp(held, who["technician_id"], on),
                zone=zone,
            )
        )
    return found


def book_slot(
    ticket: Ticket, actor: User, technician_id: int, day: date, start: datetime, stamp: str
) -> Visit:
    """Book the visit the dispatcher picked: published and pinned on the technician's day,
    the ticket scheduled and assigned, all on its record, in one transaction. Refused
    (:class:`SlotTaken`, nothing booked) when the technician's day changed since the slot was
    offered, or the slot no longer fits."""
    # Two bookings on one technician's day at once: the second waits for the first's commit
    # (PostgreSQL; SQLite has one writer at a time) and then sees its visit in the stamp.
    db.session.execute(db.select(User.id).where(User.id == technician_id).with_for_update())
    chosen = next(
        (
            o
            for o in find_slots(ticket, top=None).offers
            if (o.technician_id, o.day, o.start) == (technician_id, day, start) and o.stamp == stamp
        ),
        None,
    )
    if chosen is None:
        db.session.rollback()
        raise SlotTaken(
            _(
                "This slot is no longer free: the technician's day changed since the slots "
                "were shown. Nothing was booked; here are the slots as they are now."
            )
        )
    now = utcnow()
    run = PlanRun(
        created_by_id=actor.id,
        first_day=day,
        days=1,
        kind="booking",
        status=RunStatus.PUBLISHED,
        progress=100,
        finished_at=now,
        published_at=now,
        published_by_id=actor.id,
        options={"booked": ticket.id},
    )
    length = timedelta(minutes=builder.duration_min(ticket))
    same_day = db.session.scalar(
        db.select(db.func.count(Visit.id)).where(
            Visit.technician_id == technician_id,
            Visit.day == day,
            Visit.status == VisitStatus.PUBLISHED,
            Visit.planned_start < start,
        )
    )
    visit = Visit(
        ticket=ticket,
        technician_id=technician_id,
        day=day,
        planned_start=start,
        planned_end=start + length,
        order=(same_day or 0) + 1,
        pinned=True,
    )
    run.visits.append(visit)
    db.session.add(run)
    try:
        db.session.flush()
        schedule(visit, actor, run, "visit booked")
        # Proposals with this ticket would plan it again: they are out of date, as a
        # published plan makes the proposals for its days.
        for other in db.session.scalars(
            db.select(PlanRun).where(
                PlanRun.status == RunStatus.DONE,
                PlanRun.id.in_(db.select(Visit.plan_run_id).where(Visit.ticket_id == ticket.id)),
            )
        ):
            other.status = RunStatus.SUPERSEDED
        supersede_others(run)
        notify(
            technician_id,
            said(
                "A visit for %(n)s was booked for you on %(d)s.", n=ticket.number, d=day_text(day)
            ),
        )
    except Exception:
        db.session.rollback()
        raise
    commit()
    return visit
