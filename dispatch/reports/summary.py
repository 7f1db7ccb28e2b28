"""The monthly summary: last month's main figures mailed to the addresses admins chose
(*Administration → Reports*), through the outbox, each in its reader's language (their own if
the address is a user's, else the company's).

Sent once a month however many runs try: the first to insert the month's row of
``report_summary_sent`` (unique) queues the messages in the same transaction; the others meet
the constraint and send nothing. A run on any day of a month sends the month before, so a
daily or hourly run (cron or RQ) is enough, and one missed day loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from dispatch.extensions import db
from dispatch.mail.outbound import queue_message
from dispatch.reports import service_levels
from dispatch.reports.access import settings
from dispatch.reports.models import SummarySent
from dispatch.reports.scope import Scope, done_at, in_period, share
from dispatch.tickets.models import Ticket

log = logging.getLogger("dispatch.reports")
KIND = "report_summary"


@dataclass(frozen=True)
class Result:
    month: str
    recipients: int  # 0: nobody to send to, or sent already
    already: bool = False


def last_month(now: datetime) -> tuple[date, date]:
    """The first and last day of the month before ``now``'s (UTC)."""
    first_this = now.astimezone(UTC).date().replace(day=1)
    last = first_this - timedelta(days=1)
    return last.replace(day=1), last


def figures(scope: Scope, now: datetime) -> dict[str, Any]:
    """The summary's numbers (plain numbers: each reader's language formats them)."""
    created = db.session.scalar(
        select(func.count()).select_from(Ticket).where(in_period(Ticket.created_at, scope))
    )
    finished = db.session.scalar(
        select(func.count()).select_from(Ticket).where(in_period(done_at(), scope))
    )
    counts = service_levels.met_counts(scope, now=now)
    fr_decided, fr_met, res_decided, res_met = (sum(c[i] for c in counts) for i in range(1, 5))
    fr_missed, res_missed = service_levels.missed(now)
    breaches = db.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(
            in_period(Ticket.created_at, scope),
            Ticket.sla_policy_id.is_not(None),
            or_(fr_missed, res_missed),
        )
    )
    return {
        "created": created or 0,
        "finished": finished or 0,
        "first_response_met": share(fr_met, fr_decided),
        "resolution_met": share(res_met, res_decided),
        "breaches": breaches or 0,
    }


def send_monthly(now: datetime) -> Result:
    """Queue last month's summary to every chosen address, unless it went already."""
    first, last = last_month(now)
    month = first.strftime("%Y-%m")
    recipients = settings().recipients
    if not recipients:
        return Result(month, 0)
    try:
        db.session.add(SummarySent(month=month, recipients=len(recipients), created_at=now))
        db.session.flush()
    except IntegrityError:  # another run has it
        db.session.rollback()
        return Result(month, 0, already=True)
    start = datetime.combine(first, time(), UTC)
    scope = Scope(start, datetime.combine(last + timedelta(days=1), time(), UTC))
    numbers = figures(scope, now)
    for address in recipients:
        queue_message(
            KIND,
            None,
            recipient=address,
            month=month,
            first_day=str(first),
            last_day=str(last),
            **numbers,
        )
    db.session.commit()
    log.info("reports: the summary of %s queued to %d address(es)", month, len(recipients))
    return Result(month, len(recipients))
