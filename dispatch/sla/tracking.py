"""Keeping each ticket's service-level columns up to date from its official record.

``before_flush``: every ticket that gains an event (or is new) has its clock replayed from its
history, and its columns set, in the same transaction as the change — whichever use case made
it (the web, the API, mail, planning). When the policy that applies changes (a new priority,
category, kind, site…), the targets are counted again from the ticket's start and an ``sla``
event records it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import and_, bindparam, event, or_, select, true, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.expression import ColumnElement

from dispatch.extensions import db
from dispatch.sla.calendars import closure_days, site_calendar
from dispatch.sla.clock import Calendar, between
from dispatch.sla.models import SlaPolicy
from dispatch.sla.policies import Match, choose, wanted
from dispatch.sla.run import STOPPED, Clock, Targets, run_clock, state_of
from dispatch.tickets.changes import record
from dispatch.tickets.models import OPEN_STATUSES, Status, Ticket, TicketEvent

FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})
log = logging.getLogger("dispatch.sla")


def calendar_for(match: Match | None, ticket: Ticket, closed) -> Calendar:
    if match is not None and match.policy.around_the_clock:
        return Calendar.around_the_clock()
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return site_calendar(ticket.site, closed, zone)


def first_response(ticket: Ticket, events: list[TicketEvent]) -> datetime | None:
    """The first public answer or status change by staff other than the requester (automatic
    messages have no actor and never count)."""
    for ev in events:
        actor = ev.actor
        if actor is None or not actor.is_staff or actor.id == ticket.requester_id:
            continue
        if ev.type == "status" or (ev.type == "comment" and not ev.internal):
            return ev.created_at
    return None


def replay(ticket: Ticket, match: Match, calendar: Calendar, share: float = 1.0) -> Clock:
    """The ticket's clock from its record, under ``match``'s targets (or ``share`` of them:
    the instants a warning is due)."""
    events = sorted(ticket.events, key=lambda ev: (ev.created_at, ev.id or 0))
    states = [
        (ev.created_at, state_of(ev.data.get("new"), Status.WAITING, FINISHED))
        for ev in events
        if ev.type == "status" and isinstance(ev.data, dict)
    ]
    targets = match.targets
    if share != 1.0:
        targets = Targets(targets.first_response * share, targets.resolution * share)
    return run_clock(calendar, ticket.created_at, states, first_response(ticket, events), targets)


def warning_share() -> float:
    share = current_app.config.get("SLA_WARNING_SHARE", 0.75) if has_app_context() else 0.75
    return min(max(float(share), 0.0), 1.0)


def refresh(ticket: Ticket, policies: list[SlaPolicy], closed) -> None:
    """Set the ticket's service-level columns from its record (not committed)."""
    for name, value in replayed(ticket, policies, closed).items():
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)


def replayed(ticket: Ticket, policies: list[SlaPolicy], closed) -> dict:
    """The ticket's service-level columns from its record (every one of COLUMNS); a change
    of policy is recorded on the ticket."""
    match = choose(policies, ticket)
    clock = warn = None
    if match is not None:
        calendar = calendar_for(match, ticket, closed)
        clock = replay(ticket, match, calendar)
        warn = replay(ticket, match, calendar, warning_share())
    old_policy = ticket.sla_policy_id
    values = _columns(match, clock)
    if match is not None and clock is not None:
        values.update(_business_seconds(ticket, calendar, clock))
    values["sla_warn_at"] = warn.next_due if warn is not None else None
    if old_policy != values["sla_policy_id"]:
        _record_change(ticket, old_policy, match, clock)
    return values


def _columns(match: Match | None, clock: Clock | None) -> dict:
    if match is None or clock is None:
        return dict.fromkeys(COLUMNS) | {"sla_paused_seconds": 0, "sla_breached": False}
    # The business seconds are set by the caller, which has the calendar.
    return {
        "sla_policy_id": match.policy.id,
        "sla_first_response_due": clock.first_response_due,
        "sla_first_response_at": clock.first_response_at,
        "sla_resolution_due": clock.resolution_due,
        "sla_paused_seconds": int(clock.paused.total_seconds()),
        "sla_paused_since": clock.since if clock.state == "paused" else None,
        "sla_breached": clock.breached,
        "sla_due_at": clock.next_due,
    }


def _business_seconds(ticket: Ticket, calendar: Calendar, clock: Clock) -> dict:
    """What reports aggregate: business seconds to the first response, and to the finish."""
    first = clock.first_response_at
    return {
        "sla_first_response_seconds": (
            int(between(calendar, ticket.created_at, first).total_seconds()) if first else None
        ),
        "sla_resolution_seconds": (
            int(clock.used.total_seconds()) if clock.state == STOPPED else None
        ),
    }


COLUMNS = (
    "sla_policy_id",
    "sla_first_response_due",
    "sla_first_response_at",
    "sla_resolution_due",
    "sla_paused_seconds",
    "sla_paused_since",
    "sla_breached",
    "sla_due_at",
    "sla_warn_at",
    "sla_first_response_seconds",
    "sla_resolution_seconds",
)


def _record_change(ticket: Ticket, old_policy: int | None, match, clock) -> None:
    before = db.session.get(SlaPolicy, old_policy) if old_policy is not None else None
    record(
        ticket,
        None,
        "sla",
        internal=True,
        old=before.name if before else None,
        new=match.policy.name if match else None,
        first_response_due=clock.first_response_due.isoformat() if clock else None,
        resolution_due=clock.resolution_due.isoformat() if clock and clock.resolution_due else None,
    )


@event.listens_for(Session, "before_flush")
def _track(session, flush_context, instances):
    tickets = {id(t): t for t in session.new if isinstance(t, Ticket)}
    for obj in session.new:
        if isinstance(obj, TicketEvent) and obj.type != "sla" and obj.ticket is not None:
            tickets.setdefault(id(obj.ticket), obj.ticket)
    if not tickets:
        return
    policies = list(session.scalars(select(SlaPolicy).where(SlaPolicy.active)))
    if not policies and not any(t.sla_policy_id for t in tickets.values()):
        return
    closed = closure_days()
    for ticket in tickets.values():
        try:
            refresh(ticket, policies, closed)
        except ValueError:  # a calendar that does not open for years: keep the request anyway
            log.warning("service level of %s not computed: no business hours ahead", ticket)


#: Open tickets replayed together: one query for them, their records and sites, one UPDATE.
BATCH = 500


def refresh_open(session: Session, *where: ColumnElement[bool]) -> int:
    """Replay the open tickets (those meeting ``where``: the ones a change can move) under the
    policies as they are now, after an admin changed them; not committed. How many tickets
    were looked at.

    Tickets go by batches of BATCH: each batch is read in a few statements and written in one
    UPDATE run over the rows that changed (each row's version moves on, so that a person who
    saved the ticket meanwhile meets a conflict), never one statement per ticket."""
    policies = list(session.scalars(select(SlaPolicy).where(SlaPolicy.active)))
    closed = closure_days()
    ids = list(
        session.scalars(
            select(Ticket.id).where(Ticket.status.in_(OPEN_STATUSES), *where).order_by(Ticket.id)
        )
    )
    table = Ticket.__table__
    write = (
        update(table)
        .where(table.c.id == bindparam("ticket_id"))
        .values(version=table.c.version + 1, **{c: bindparam(c) for c in COLUMNS})
    )
    for first in range(0, len(ids), BATCH):
        batch = session.scalars(
            select(Ticket)
            .where(Ticket.id.in_(ids[first : first + BATCH]))
            .options(
                selectinload(Ticket.events).joinedload(TicketEvent.actor),
                selectinload(Ticket.site),
            )
        ).all()
        changed = []
        for ticket in batch:
            try:
                values = replayed(ticket, policies, closed)
            except ValueError:
                log.warning("service level of %s not computed: no business hours ahead", ticket)
                continue
            if any(getattr(ticket, name) != value for name, value in values.items()):
                changed.append({"ticket_id": ticket.id, **values})
        session.flush()  # the records of a changed policy
        if changed:
            session.connection().execute(write, changed)
        for ticket in batch:
            session.expire(ticket)
    return len(ids)


def criteria_filter(policy: SlaPolicy) -> list[ColumnElement[bool]]:
    """The open tickets a policy's change can move: those under it, and those it matches."""
    column = {
        "category": Ticket.category_id,
        "priority": Ticket.priority,
        "kind": Ticket.kind,
        "site": Ticket.site_id,
        "department": Ticket.department_id,
    }
    matches = and_(true(), *(column[name] == value for name, value in wanted(policy).items()))
    return [or_(Ticket.sla_policy_id == policy.id, matches)] if policy.id else []
