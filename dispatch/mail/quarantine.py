"""The quarantine as dispatchers work it: what waits, releasing a message, discarding one.

Releasing is a dispatcher vouching for a message: it is processed again as if it had just
arrived, without the sender-authentication check, and a reply is posted on the ticket it
names. Discarding keeps the row (a second delivery of the same message then counts as a copy
instead of landing here again) but does nothing with it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from dispatch.audit.record import Target, record_admin_event
from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.mail.ingest import Outcome, retry
from dispatch.mail.models import Inbound, MailMessage
from dispatch.people.models import User
from dispatch.types import utcnow

LIST_SIZE = 200


def held(limit: int = LIST_SIZE) -> list[MailMessage]:
    """The messages waiting in quarantine, newest first."""
    return list(
        db.session.scalars(
            select(MailMessage)
            .where(MailMessage.status == Inbound.QUARANTINE)
            .order_by(MailMessage.id.desc())
            .limit(limit)
        )
    )


def waiting(mail_id: int) -> MailMessage:
    """The quarantined message ``mail_id``; NotFound when there is none (any more)."""
    row = db.session.get(MailMessage, mail_id)
    if row is None or row.status != Inbound.QUARANTINE:
        raise NotFound(_("No such message in quarantine."))
    return row


def release(mail_id: int, reviewer: User) -> Outcome:
    """Process a held message again on the reviewer's word (see the module's docstring)."""
    row = waiting(mail_id)  # never headers only: those are refused, not quarantined
    row.reviewed_by_id, row.reviewed_at = reviewer.id, utcnow()
    record_admin_event(reviewer, "released", _target(row))
    return retry(mail_id, trust_sender=True)  # commits the review and its record with the outcome


def release_said(outcome: Outcome) -> str:
    """What became of a released message, for the dispatcher who released it."""
    if outcome.status == Inbound.COMMENT:
        return _("Released: posted on ticket #%(n)s.", n=outcome.ticket_id)
    if outcome.status == Inbound.TICKET:
        return _("Released: it opened ticket #%(n)s.", n=outcome.ticket_id)
    if outcome.status == Inbound.QUARANTINE:
        return _("Released, but held again: %(r)s", r=outcome.reason)
    return _("Released: %(s)s. %(r)s", s=outcome.status, r=outcome.reason)


def discard(mail_id: int, reviewer: User) -> None:
    row = waiting(mail_id)
    row.status, row.processed_at = Inbound.DISCARDED, utcnow()
    row.reviewed_by_id, row.reviewed_at = reviewer.id, utcnow()
    record_admin_event(reviewer, "discarded", _target(row))
    db.session.commit()


def _target(row: MailMessage) -> Target:
    """The message as the record of administration names it: its sender and subject."""
    return Target("mail_message", row.id, f"{row.sender}: {row.subject}"[:255])
