"""The mail channel's tables: every message received (kept whole), the outbox, the templates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.models import Ticket, TicketEvent
from dispatch.types import UTCDateTime, utcnow


class Inbound(StrEnum):
    """What became of a received message."""

    TICKET = "ticket"  # opened a new ticket
    COMMENT = "comment"  # landed on an existing ticket
    DUPLICATE = "duplicate"  # never stored as a row: the first copy's ``copies`` counts it
    QUARANTINE = "quarantine"  # kept whole for an admin (or the dispatcher's review)
    REJECTED = "rejected"  # over the size limit: one polite answer, no ticket
    DROPPED = "dropped"  # our own mail came back; an automatic message from outside a ticket
    DISCARDED = "discarded"  # taken out of quarantine by a dispatcher: nothing done with it


class Outbound(StrEnum):
    PENDING = "pending"  # waiting to be rendered and sent (or retried)
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"  # accepted by the SMTP server
    LOCAL = "local"  # no mail server configured: kept in the local outbox
    SUPPRESSED = "suppressed"  # deliberately not sent (rate limit, no address, loop safety)
    FAILED = "failed"  # gave up after the last retry; an admin may retry it


class MailMessage(db.Model):
    """One received message, raw bytes kept, and the decision taken on it."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of (Message-ID, sender), or of the raw bytes when there is no Message-ID: the
    # unique index is what makes a second delivery (or a concurrent fetch) a duplicate.
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    sender: Mapped[str] = mapped_column(String(254), default="", index=True)
    sender_name: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    source: Mapped[str] = mapped_column(String(10), default="pipe")  # pipe, imap, retry, test
    size: Mapped[int] = mapped_column(default=0)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_complete: Mapped[bool] = mapped_column(default=True)  # False: headers only (too large)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(300), default="")
    automatic: Mapped[str] = mapped_column(String(60), default="")  # why it is machine-made
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    copies: Mapped[int] = mapped_column(default=1)  # deliveries of the same message
    attempts: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who last released or discarded it from quarantine, and when.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()


class OutboxMessage(db.Model):
    """One message to send. Its state lives here, so a crash or a down server loses nothing."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_due", "status", "next_attempt_at"),
        Index("ix_mail_outbox_recipient", "recipient", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # ack, assigned, resolved, comment, …
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_event.id"))
    # Facts for templates that the ticket does not hold (visit window, reply to, …).
    context: Mapped[dict] = mapped_column(db.JSON, default=dict)
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    headers: Mapped[dict] = mapped_column(db.JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default=Outbound.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket | None] = relationship()
    event: Mapped[TicketEvent | None] = relationship()


class MailTemplate(db.Model):
    """An admin's version of one message in one language; the defaults live in
    dispatch.mail.texts (translated by the catalogues)."""

    __tablename__ = "mail_template"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_mail_template_key_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
