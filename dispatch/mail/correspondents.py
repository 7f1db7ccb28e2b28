"""Who wrote a message and which ticket it belongs to: accounts by address (created for a new
sender), the sender's name, tickets by id, merges and earlier threads, and who takes part in a
ticket."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dispatch.extensions import db
from dispatch.mail.models import Inbound, MailMessage
from dispatch.mail.parse import ParsedMail
from dispatch.people.models import EmailAlias, Role, User
from dispatch.tickets.models import Ticket, TicketEvent
from dispatch.types import utcnow


def find_user(address: str) -> User | None:
    """The account with this (lower-case) address, or with it as an alias (the directory's
    other addresses of a person), if any."""
    if not address:
        return None
    user = db.session.scalar(select(User).where(User.email == address))  # stored lower-case
    if user is not None:
        return user
    return db.session.scalar(
        select(User)
        .join(EmailAlias, EmailAlias.user_id == User.id)
        .where(EmailAlias.email == address)
    )


#: A display name that carries a link or an address is not a name: anyone can put text there
#: and our own messages greet the requester by it ("Hello {{ requester }}").
_NOT_A_NAME = re.compile(r"https?:|www\.|://|@|\.[a-z]{2,}/", re.IGNORECASE)


def display_name(mail: ParsedMail) -> str:
    """The sender's display name, one line, short, and only if it reads like a name; the
    mailbox's local part otherwise."""
    name = " ".join(mail.sender_name.split())[:80]
    if not name or _NOT_A_NAME.search(name):
        return mail.sender.split("@", 1)[0][:80]
    return name


def create_requester(mail: ParsedMail) -> User:
    """The sender's account, created (display name kept) the first time they write."""
    user = User(email=mail.sender, name=display_name(mail), role=Role.EMPLOYEE, password_hash=None)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the same new sender in two messages at once
        db.session.rollback()
        user = find_user(mail.sender)
        if user is None:
            raise
    return user


def ticket_by_id(ticket_id: int | None) -> Ticket | None:
    """The ticket, or None (no id, or no such ticket)."""
    return db.session.get(Ticket, ticket_id) if ticket_id else None


def follow_merges(ticket: Ticket | None) -> Ticket | None:
    """The ticket a merged ticket lives on in (a bounded walk along the merges)."""
    for _ in range(10):
        if ticket is None or ticket.merged_into_id is None:
            return ticket
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def earlier_thread(mail: ParsedMail) -> Ticket | None:
    """A reply to an earlier message someone sent us (before our answer reached them)."""
    ids = [i for i in mail.in_reply_to + mail.references if i][:50]
    if not ids:
        return None
    ticket_id = db.session.scalar(
        select(MailMessage.ticket_id)
        .where(MailMessage.message_id.in_(ids), MailMessage.ticket_id.is_not(None))
        .limit(1)
    )
    return ticket_by_id(ticket_id)


def is_participant(ticket: Ticket, user: User | None) -> bool:
    """The requester, the assignee, a member of the assigned group, or anyone on the record."""
    if user is None or not user.active:
        return False
    if user.id in (ticket.requester_id, ticket.assignee_id):
        return True
    if ticket.group is not None and user in ticket.group.members:
        return True
    return (
        db.session.scalar(
            select(TicketEvent.id)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.actor_id == user.id)
            .limit(1)
        )
        is not None
    )


def recent_tickets_from(sender: str) -> int:
    """How many tickets mail from ``sender`` opened in the last hour."""
    since = utcnow() - timedelta(hours=1)
    return (
        db.session.scalar(
            select(func.count(MailMessage.id)).where(
                MailMessage.sender == sender,
                MailMessage.status == Inbound.TICKET,
                MailMessage.received_at >= since,
            )
        )
        or 0
    )
