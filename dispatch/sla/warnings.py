"""Warnings before and at a breach: ``flask sla check`` (cron) and the periodic RQ turn.

A warning goes to the assignee (the dispatchers when nobody has the ticket), in the app and by
mail, once a configured share of a target's business time is used (SLA_WARNING_SHARE); at the
breach, the assignee is told and the dispatchers too (the escalation). Each warning is one
unique row of ``sla_warning``, inserted in the transaction that notifies: of several workers
checking at once, one inserts it and sends, the others meet the constraint and skip it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from dispatch.extensions import db
from dispatch.mail.outbound import queue_message
from dispatch.notifications.services import notify
from dispatch.people.models import Role, User
from dispatch.sla.models import SlaWarning
from dispatch.sla.policies import choose
from dispatch.sla.run import RUNNING, Clock
from dispatch.sla.status import Calendars, active_policies
from dispatch.sla.tracking import replay, warning_share
from dispatch.stored_text import moment, said
from dispatch.tickets.models import OPEN_STATUSES, Ticket, TicketEvent
from dispatch.types import utcnow

log = logging.getLogger("dispatch.sla")
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"
WARNING, BREACH = "warning", "breach"
BATCH = 200


@dataclass(frozen=True)
class Due:
    target: str
    stage: str
    due_at: datetime


def due_now(clock: Clock, warn: Clock, now: datetime) -> list[Due]:
    """The warnings a ticket's clocks call for at ``now``: per live deadline, the breach once
    it has passed, else the warning once its share of the time is used."""
    found = []
    live = []
    if clock.first_response_at is None and clock.state != "stopped":
        live.append((FIRST_RESPONSE, clock.first_response_due, warn.first_response_due))
    if clock.state == RUNNING and clock.resolution_due is not None:
        live.append((RESOLUTION, clock.resolution_due, warn.resolution_due))
    for target, due, warn_at in live:
        if due <= now:
            found.append(Due(target, BREACH, due))
        elif warn_at is not None and warn_at <= now:
            found.append(Due(target, WARNING, due))
    return found


def _sent(target: str, due_column):
    return exists().where(
        SlaWarning.ticket_id == Ticket.id,
        SlaWarning.target == target,
        SlaWarning.stage == BREACH,
        SlaWarning.due_at == due_column,
    )


def candidates(now: datetime):
    """Open tickets whose first warning time has come, less those that already had every
    breach warning their current deadlines can give."""
    done = and_(
        or_(
            Ticket.sla_first_response_at.is_not(None),
            _sent(FIRST_RESPONSE, Ticket.sla_first_response_due),
        ),
        or_(
            Ticket.sla_resolution_due.is_(None),
            Ticket.sla_paused_since.is_not(None),
            _sent(RESOLUTION, Ticket.sla_resolution_due),
        ),
    )
    return (
        select(Ticket)
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.sla_warn_at <= now, ~done)
        .order_by(Ticket.sla_warn_at, Ticket.id)
    )


def check(now: datetime | None = None) -> int:
    """Send the warnings that are due; how many were sent (each once, whoever else checks)."""
    now = now or utcnow()
    policies = active_policies()
    calendars = Calendars()
    share = warning_share()
    query = candidates(now).options(
        selectinload(Ticket.events).joinedload(TicketEvent.actor),
        joinedload(Ticket.site),
        joinedload(Ticket.assignee),
    )
    sent = 0
    for ticket in db.session.scalars(query.limit(BATCH)).unique().all():
        match = choose(policies, ticket)
        if match is None:
            continue
        calendar = calendars.of(ticket, match.policy)
        clock = replay(ticket, match, calendar)
        for due in due_now(clock, replay(ticket, match, calendar, share), now):
            sent += _claim_and_send(ticket, due)
    return sent


def _claim_and_send(ticket: Ticket, due: Due) -> int:
    try:
        db.session.add(
            SlaWarning(
                ticket_id=ticket.id,
                target=due.target,
                stage=due.stage,
                due_at=due.due_at,
                created_at=utcnow(),
            )
        )
        db.session.flush()
    except IntegrityError:  # another worker has it
        db.session.rollback()
        return 0
    for user in recipients(ticket, due.stage):
        _tell(user, ticket, due)
    db.session.commit()
    log.info("sla: %s %s of %s sent", due.target, due.stage, ticket.number)
    return 1


def dispatchers() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.DISPATCHER, User.active).order_by(User.id)
        )
    )


def recipients(ticket: Ticket, stage: str) -> list[User]:
    """The assignee, or the dispatchers when nobody has the ticket; at a breach, both."""
    people = []
    if ticket.assignee is not None and ticket.assignee.active:
        people.append(ticket.assignee)
    if stage == BREACH or not people:
        people += [d for d in dispatchers() if d not in people]
    return people


def _tell(user: User, ticket: Ticket, due: Due) -> None:
    zone = ticket.site.timezone if ticket.site else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    target = said("first response") if due.target == FIRST_RESPONSE else said("resolution")
    when = moment(due.due_at, zone)
    if due.stage == BREACH:
        text = said("%(n)s missed its %(t)s target (due %(d)s).", n=ticket.number, t=target, d=when)
    else:
        text = said("%(n)s: %(t)s due %(d)s.", n=ticket.number, t=target, d=when)
    notify(user, text, _ticket_path(ticket))
    queue_message(
        "sla_" + due.stage,
        ticket,
        recipient=user.email,
        user_id=user.id,
        target=due.target,
        due=due.due_at.isoformat(),
    )


def _ticket_path(ticket: Ticket) -> str:
    # Checks run from cron and workers, outside any request: the path is built in one.
    with current_app.test_request_context():
        return url_for("tickets.detail", id=ticket.id)
