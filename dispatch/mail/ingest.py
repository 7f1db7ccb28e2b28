"""Turning one received message into a ticket, a comment, a duplicate or a quarantine entry.

Every message is stored, raw, in the same transaction as what it became, under a unique
dedup key: a second delivery (or a second fetch racing the first) can only count as a copy.
A database that is down raises ``TemporaryFailure`` (the MTA retries); anything else that goes
wrong keeps the message whole in quarantine.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from dispatch.errors import DispatchError
from dispatch.extensions import db
from dispatch.mail import loops, sender_auth
from dispatch.mail.correspondents import (
    create_requester,
    earlier_thread,
    find_user,
    follow_merges,
    is_participant,
    recent_tickets_from,
    ticket_by_id,
)
from dispatch.mail.message_ids import find_reference, subject_ticket
from dispatch.mail.models import Inbound, MailMessage
from dispatch.mail.outbound import queue_rejection
from dispatch.mail.parse import (
    ParsedMail,
    html_to_text,
    parse,
    parse_headers,
    read_headers,
    trim_reply,
)
from dispatch.mail.ticket_input import attachment_files, oversized_attachment, shorten, site_named
from dispatch.people.models import User
from dispatch.tickets import workflow
from dispatch.tickets.attachments import store_uploads
from dispatch.tickets.changes import commit, record, set_status
from dispatch.tickets.models import Comment, Status, Ticket
from dispatch.tickets.services import COMMENT_MAX, DESCRIPTION_MAX, NewTicket, create_ticket
from dispatch.types import utcnow

log = logging.getLogger("dispatch.mail")
TEMPORARY = (OperationalError, InterfaceError)


class TemporaryFailure(Exception):
    """The message could not be stored now (database unreachable): deliver it again later."""


@dataclass(frozen=True)
class Outcome:
    status: str
    mail_id: int | None
    ticket_id: int | None = None
    reason: str = ""


def ingest(raw: bytes, source: str = "pipe", *, size: int | None = None) -> Outcome:
    """Store one raw message and act on it. Raises TemporaryFailure only.

    ``size``: the message's real size when ``raw`` is only its header (IMAP, over the limit).
    """
    try:
        if size is not None and size > current_app.config["MAIL_MAX_BYTES"]:
            return _too_large(raw, source, size)
        return _ingest(raw, source)
    except TEMPORARY as exc:
        db.session.rollback()
        raise TemporaryFailure(str(exc).splitlines()[0]) from exc
    except TemporaryFailure:
        raise
    except Exception as exc:  # a bug must not lose the message: keep it for an admin
        db.session.rollback()
        log.exception("mail ingest failed; keeping the message in quarantine")
        try:
            return _store_broken(raw, source, f"internal error ({type(exc).__name__})")
        except Exception as again:
            db.session.rollback()
            raise TemporaryFailure(str(again).splitlines()[0]) from again
    finally:
        _clear_session_flags()


def retry(mail_id: int, *, trust_sender: bool = False) -> Outcome:
    """Process a quarantined (or rejected) message again, e.g. after a fix or a setting change.

    ``trust_sender`` posts a reply held for review as if the sender were on the ticket.
    """
    row = db.session.get(MailMessage, mail_id)
    if row is None or row.status not in (Inbound.QUARANTINE, Inbound.REJECTED):
        return Outcome(row.status if row else "missing", mail_id, row.ticket_id if row else None)
    if not row.raw_complete:
        return Outcome(row.status, row.id, row.ticket_id, "only the headers were kept")
    row.attempts += 1
    row.source = "retry"
    try:
        return _route(parse(row.raw), row, trust_sender=trust_sender)
    except TEMPORARY as exc:
        db.session.rollback()
        raise TemporaryFailure(str(exc).splitlines()[0]) from exc
    finally:
        _clear_session_flags()


def dedup_key(mail: ParsedMail) -> str:
    basis = f"{mail.message_id}\n{mail.sender}".encode() if mail.message_id else mail.raw
    return hashlib.sha256(basis).hexdigest()


# --- the decision -------------------------------------------------------------------------------


def _ingest(raw: bytes, source: str) -> Outcome:
    if len(raw) > current_app.config["MAIL_MAX_BYTES"]:
        return _too_large(raw, source)
    mail = parse(raw)
    key = dedup_key(mail)
    existing = db.session.scalar(select(MailMessage).filter_by(dedup_key=key))
    if existing is not None:
        return _copy(existing)
    row = _new_row(mail, key, source)
    try:
        return _route(mail, row)
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(MailMessage).filter_by(dedup_key=key))
        if existing is None:
            raise
        return _copy(existing)


def _route(mail: ParsedMail, row: MailMessage, *, trust_sender: bool = False) -> Outcome:
    """``trust_sender``: a dispatcher released it, vouching for the sender (no authentication
    check; a reply is posted on the ticket it names, even by its subject tag alone)."""
    if loops.is_our_own(mail):
        log.warning("dropped our own message coming back: %s from %s", mail.message_id, mail.sender)
        return _finish(row, Inbound.DROPPED, "our own message came back")
    if mail.problem:
        return _quarantine(row, mail.problem)
    auto = loops.automatic_reason(mail)
    row.automatic = auto
    ref = find_reference(mail.in_reply_to + mail.references[::-1], mail.report_text)
    if ref.forged:
        claimed = ticket_by_id(subject_ticket(mail.subject))
        return _hold(row, claimed, "forged thread reference: for the dispatcher to review")
    ticket = follow_merges(ticket_by_id(ref.ticket_id))
    user = find_user(mail.sender)
    unproven = "" if trust_sender else sender_auth.refusal(mail, user)
    if unproven:
        return _quarantine(row, unproven, ticket)
    if ticket is None:
        # Only our signed Message-IDs tie a message to a ticket. A subject tag is typed by
        # anyone and ticket numbers are sequential; a reference to someone's earlier mail is
        # chosen by its writer. Such a message is a new request from its sender (the
        # dispatcher may merge it), which gives nobody a way into someone else's ticket, except
        # in a staff member's name: that waits for a dispatcher rather than speak for us.
        weak = follow_merges(ticket_by_id(subject_ticket(mail.subject)) or earlier_thread(mail))
        if weak is not None and trust_sender:
            ticket = weak
        elif weak is not None and not auto and user is not None and user.is_staff:
            return _hold(row, weak, "staff address without our thread reference: for review")
    if ticket is not None:
        if auto:
            return _automatic_note(row, mail, ticket)
        if not trust_sender and not is_participant(ticket, user):
            return _hold(row, ticket, "reply from someone not on the ticket: for review")
        if not trust_sender and user.is_staff and not sender_auth.can_vouch():
            # Without our server's authentication results a staff address in From proves
            # nothing, and a staff comment is public and mailed on to the requester.
            return _hold(row, ticket, "staff reply that cannot be authenticated: for review")
        return _reply(row, mail, ticket, user or create_requester(mail))
    if auto and (loops.is_bounce(mail) or loops.is_auto_reply(mail)):
        return _quarantine(row, f"automatic message about no known ticket ({auto})")
    return _new_ticket(row, mail, user, quiet=bool(auto))


def _new_ticket(
    row: MailMessage,
    mail: ParsedMail,
    user: User | None,
    *,
    quiet: bool,
    parent: Ticket | None = None,
) -> Outcome:
    cfg = current_app.config
    domains = [d.lower() for d in cfg["MAIL_ALLOWED_DOMAINS"] or ()]
    if domains and mail.sender.rsplit("@", 1)[-1] not in domains:
        return _quarantine(row, "sender outside the company's mail domains")
    if recent_tickets_from(mail.sender) >= cfg["MAIL_MAX_TICKETS_PER_HOUR"]:
        return _quarantine(row, "too many new tickets from this sender in the last hour")
    too_big = oversized_attachment(mail)
    if too_big:
        return _reject(row, mail, too_big)
    user = user or create_requester(mail)
    if not user.active:
        return _quarantine(row, "the sender's account is deactivated")
    files, note = attachment_files(mail)
    text = mail.text.strip()
    subject = (
        " ".join(mail.subject.split()) or (text.splitlines()[0] if text else "") or "(no subject)"
    )
    data = NewTicket(
        subject=subject[:200],
        description=shorten(text + note, DESCRIPTION_MAX),
        site_id=site_named(f"{subject}\n{text}"),
        channel="email",
        parent_id=parent.id if parent else None,
    )
    reason = "follow-up of a closed ticket" if parent else ""
    row.status, row.reason = Inbound.TICKET, reason
    db.session.add(row)
    session_info = db.session.info
    session_info["mail_row"], session_info["mail_quiet"] = row, quiet
    try:
        ticket = create_ticket(user, data, files=files)
    except DispatchError as exc:  # create_ticket rolled back: the row went with it
        return _quarantine(row, f"could not become a ticket: {exc.message}"[:300])
    return Outcome(Inbound.TICKET, _pk(row), _pk(ticket), reason)


def _reply(row: MailMessage, mail: ParsedMail, ticket: Ticket, user: User) -> Outcome:
    too_big = oversized_attachment(mail)
    if too_big:
        return _reject(row, mail, too_big)
    reopen = not ticket.is_open and user.id == ticket.requester_id
    if reopen:
        ended = ticket.closed_at or ticket.resolved_at or ticket.updated_at
        window = timedelta(days=current_app.config["MAIL_REOPEN_DAYS"])
        if ended is None or ended < utcnow() - window:
            return _new_ticket(row, mail, user, quiet=False, parent=ticket)
    files, note = attachment_files(mail)
    text = trim_reply(
        html_to_text(mail.html_raw, drop_quotes=True) if mail.from_html else mail.text
    )
    body = shorten(text + note, COMMENT_MAX) or "(attachments only)"
    row.status, row.ticket = Inbound.COMMENT, ticket
    try:
        if reopen:
            set_status(
                ticket,
                user,
                workflow.working_status(ticket.kind, ticket.assignee_id is not None),
                reason="replied by mail",
            )
            ticket.resolved_at = ticket.closed_at = None
        comment = Comment(ticket=ticket, author=user, body=body, created_at=utcnow())
        db.session.add(comment)
        db.session.flush()
        record(ticket, user, "comment", comment=comment.id, channel="email")
        if ticket.status == Status.WAITING and user.id == ticket.requester_id:
            set_status(
                ticket,
                user,
                workflow.working_status(ticket.kind, ticket.assignee_id is not None),
                reason="requester replied",
            )

        store_uploads(ticket, user, files, comment=comment)
        ticket.updated_at = utcnow()
        row.comment_id = comment.id
        db.session.add(row)  # only now: inserted with its comment, no second UPDATE
        ticket_id = ticket.id
        commit()
    except DispatchError as exc:
        db.session.rollback()
        return _quarantine(row, f"could not be added to {ticket.number}: {exc.message}"[:300])
    return Outcome(Inbound.COMMENT, _pk(row), ticket_id)


def _automatic_note(row: MailMessage, mail: ParsedMail, ticket: Ticket) -> Outcome:
    """Out-of-office and bounces: on the record for staff; never answered, never reopening."""
    row.status, row.ticket, row.reason = Inbound.COMMENT, ticket, "automatic message noted"
    db.session.add(row)
    record(
        ticket,
        None,
        "mail_automatic",
        internal=True,
        sender=mail.sender,
        reason=row.automatic,
        subject=mail.subject[:200],
        excerpt=(mail.text or mail.report_text)[:1000],
    )
    commit()
    return Outcome(Inbound.COMMENT, row.id, ticket.id, row.reason)


def _hold(row: MailMessage, ticket: Ticket | None, reason: str) -> Outcome:
    """Quarantine a reply for review; the dispatcher sees on the ticket that one waits."""
    if ticket is not None:
        record(ticket, None, "mail_held", internal=True, sender=row.sender, reason=reason)
    return _quarantine(row, reason, ticket)


# --- storing ------------------------------------------------------------------------------------


def _new_row(mail: ParsedMail, key: str, source: str, raw: bytes | None = None) -> MailMessage:
    now = utcnow()
    return MailMessage(
        dedup_key=key,
        message_id=mail.message_id[:255],
        sender=mail.sender,
        sender_name=mail.sender_name,
        subject=mail.subject[:255],
        source=source,
        size=len(mail.raw),
        raw=mail.raw if raw is None else raw,
        raw_complete=raw is None,
        status=Inbound.QUARANTINE,
        received_at=now,
        processed_at=now,
    )


def _finish(
    row: MailMessage, status: str, reason: str = "", ticket: Ticket | None = None
) -> Outcome:
    row.status, row.reason, row.ticket = status, reason[:300], ticket
    row.processed_at = utcnow()
    db.session.add(row)
    db.session.commit()
    return Outcome(status, _pk(row), _pk(ticket), reason)


def _quarantine(row: MailMessage, reason: str, ticket: Ticket | None = None) -> Outcome:
    log.info("mail quarantined: %s (%s from %s)", reason, row.message_id, row.sender)
    return _finish(row, Inbound.QUARANTINE, reason, ticket)


def _copy(existing: MailMessage) -> Outcome:
    existing.copies += 1
    db.session.commit()
    return Outcome(Inbound.DUPLICATE, existing.id, existing.ticket_id, "already received")


def _store_broken(raw: bytes, source: str, reason: str) -> Outcome:
    mail = ParsedMail(raw=raw, headers=parse_headers(raw))
    read_headers(mail)
    key = dedup_key(mail)
    existing = db.session.scalar(select(MailMessage).filter_by(dedup_key=key))
    if existing is not None:
        return _copy(existing)
    return _quarantine(_new_row(mail, key, source), reason)


def _too_large(raw: bytes, source: str, size: int | None = None) -> Outcome:
    """Over the size limit: keep the headers, answer once, open nothing."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw[: end if 0 <= end < 65536 else 65536]
    mail = ParsedMail(raw=raw, headers=parse_headers(head))
    read_headers(mail)
    key = dedup_key(mail)
    existing = db.session.scalar(select(MailMessage).filter_by(dedup_key=key))
    if existing is not None:
        return _copy(existing)
    limit = current_app.config["MAIL_MAX_BYTES"] // (1024 * 1024)
    row = _new_row(mail, key, source, raw=head)
    row.size = max(size or 0, len(raw))
    return _reject(row, mail, f"message larger than {limit} MB")


def _reject(row: MailMessage, mail: ParsedMail, reason: str) -> Outcome:
    if mail.sender and not loops.automatic_reason(mail):
        queue_rejection(mail.sender, reason, in_reply_to=mail.message_id)
    return _finish(row, Inbound.REJECTED, reason)


# --- helpers ------------------------------------------------------------------------------------


def _pk(obj) -> int | None:
    """The primary key of a stored object without reloading it (a commit expired it)."""
    identity = inspect(obj).identity if obj is not None else None
    return identity[0] if identity else None


def _clear_session_flags() -> None:
    for key in ("mail_row", "mail_quiet"):
        db.session.info.pop(key, None)
