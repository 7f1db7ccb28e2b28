"""Tickets, their categories and extra fields, comments, attachments and the official record."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from dispatch.collation import create_extension_with
from dispatch.extensions import db
from dispatch.people.models import Department, Group, Skill, User
from dispatch.sites.models import Site
from dispatch.tickets.folding import search_text
from dispatch.translated import Translated
from dispatch.types import UTCDateTime, utcnow


class Kind(StrEnum):
    REMOTE = "remote"  # an agent fixes it off-site
    ONSITE = "onsite"  # someone must go there


class Status(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    TO_SCHEDULE = "to_schedule"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  # on the requester
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset(set(Status) - {Status.RESOLVED, Status.CLOSED})


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_RANK = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    CHOICE = "choice"
    DATE = "date"
    ASSET_TAG = "asset_tag"


category_skills = Table(
    "category_skill",
    db.metadata,
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)

ticket_skills = Table(
    "ticket_skill",
    db.metadata,
    Column("ticket_id", ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)


class TechnicianRule(StrEnum):
    """What a ticket says of one technician: only these, never this one, or this one if it
    costs little (the site asked for them)."""

    REQUIRED = "required"
    PROHIBITED = "prohibited"
    PREFERRED = "preferred"


class TicketTechnician(db.Model):
    """One technician a dispatcher named on an on-site ticket, with the rule (the preferred
    one may also be required; the service refuses one both required and prohibited)."""

    __tablename__ = "ticket_technician"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(12), primary_key=True)

    user: Mapped[User] = relationship()


class Category(Translated, db.Model):
    """A kind of request; its name and description are translated (dispatch.translated)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    default_kind: Mapped[str | None] = mapped_column(String(10))
    default_duration_min: Mapped[int] = mapped_column(default=60)
    active: Mapped[bool] = mapped_column(default=True)

    skills: Mapped[list[Skill]] = relationship(secondary=category_skills)
    fields: Mapped[list[CategoryField]] = relationship(
        back_populates="category",
        order_by="CategoryField.position, CategoryField.id",
        cascade="all, delete-orphan",
    )

    def __str__(self) -> str:
        return self.text("name")


class FieldDefinition(Translated):
    """The columns of an extra field an admin defines without code: shared by categories'
    fields and asset types' fields, so that one validator (dispatch.tickets.fields) and one set
    of admin forms serve both."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))  # stable name used in the API and exports
    label: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(20), default=FieldType.TEXT)
    required: Mapped[bool] = mapped_column(default=False)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    help_text: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def choice_options(self) -> list[tuple[str, str]]:
        """(stored value, what the reader sees) for each choice: the value is the company's
        language's text, as tickets, the API and exports keep it."""
        values = list(self.choices or [])
        shown = self.text("choices")
        if not isinstance(shown, list) or len(shown) != len(values):
            shown = values  # a translation that no longer matches the choices one for one
        return list(zip(values, shown, strict=True))

    def shown_value(self, value: Any) -> Any:
        """A stored value as the reader sees it (a choice in their language)."""
        if self.type == FieldType.CHOICE:
            return dict(self.choice_options()).get(str(value), value)
        return value


class CategoryField(FieldDefinition, db.Model):
    """An extra field a category asks for."""

    __tablename__ = "category_field"
    __table_args__ = (db.UniqueConstraint("category_id", "key"),)

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))

    category: Mapped[Category] = relationship(back_populates="fields")

    @property
    def owner(self) -> Category:
        return self.category


def _default_search_text(context) -> str:
    values = context.get_current_parameters()
    return search_text(values.get("subject"), values.get("description"))


#: How a request arrived: the web form, a mail to the support address, the JSON API.
#: The channel of the visits a maintenance plan makes (dispatch.maintenance): not failures.
PREVENTIVE = "plan"
CHANNELS = ("web", "email", "api", PREVENTIVE)


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_status_kind", "status", "kind"),
        Index("ix_ticket_created_at", "created_at"),
        # Trigram index: LIKE '%word%' on the folded text is an index scan on PostgreSQL
        # (pg_trgm, created with the schema). SQLite scans, which is fine at its sizes; a plain
        # B-tree there would only copy every description.
        Index(
            "ix_ticket_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    # The primary key is the ticket number people quote ("#1042"): the database's own
    # sequence makes it unique even when two requests arrive at the same instant.
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock, see __mapper_args__

    requester_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    building: Mapped[str] = mapped_column(String(80), default="")
    floor: Mapped[str] = mapped_column(String(40), default="")
    room: Mapped[str] = mapped_column(String(80), default="")
    # "Their position": a point from the browser when the requester is not at a site.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # An on-site job away from a site: geocoded into latitude/longitude when it can be.
    address: Mapped[str] = mapped_column(String(300), default="")

    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Subject and description folded for search (dispatch.tickets.folding), kept up to date by
    # the validator below on every change; a row inserted without it gets it from the default.
    search_text: Mapped[str] = mapped_column(Text, default=_default_search_text)
    impact: Mapped[str] = mapped_column(String(10), default=Level.MEDIUM)
    urgency: Mapped[str] = mapped_column(String(10), default=Level.MEDIUM)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(10), default="web")  # one of CHANNELS
    # "Does this stop your work?" asked by the web form and the API; None: not asked (mail).
    stops_work: Mapped[bool | None]

    status: Mapped[str] = mapped_column(String(20), default=Status.NEW, index=True)
    kind: Mapped[str | None] = mapped_column(String(10))
    suggested_kind: Mapped[str | None] = mapped_column(String(10))
    suggestion_confidence: Mapped[float | None]
    suggestion_reason: Mapped[str] = mapped_column(String(300), default="")
    # What the reason says (its source and values), so that each reader gets it in their own
    # language; the text above is the reason as written when the ticket arrived.
    suggestion_basis: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("agent_group.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    # The device the request is about (dispatch.assets): its history lists this ticket.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    # Indexed: every ticket page lists the tickets merged into it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)

    # On-site planning data (the planner comes later; the data is decided now).
    duration_min: Mapped[int | None]
    access_from: Mapped[time | None] = mapped_column(Time)
    access_until: Mapped[time | None] = mapped_column(Time)
    appointment_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The service level, kept up to date from the record by dispatch.sla.tracking in the
    # transaction of each change (so lists sort and filter on columns).
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policy.id"), index=True)
    sla_first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: paused
    sla_paused_seconds: Mapped[int] = mapped_column(default=0)  # business time, until paused_since
    sla_paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_breached: Mapped[bool] = mapped_column(default=False)  # a deadline already missed
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # the next one
    sla_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # its warning
    # Business seconds to the first response, and to the finish (None until then): reports.
    sla_first_response_seconds: Mapped[int | None]
    sla_resolution_seconds: Mapped[int | None]

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    group: Mapped[Group | None] = relationship()
    department: Mapped[Department | None] = relationship()
    site: Mapped[Site | None] = relationship()
    category: Mapped[Category | None] = relationship()
    asset: Mapped[Asset | None] = relationship()  # noqa: F821 (dispatch.assets.models)
    skills: Mapped[list[Skill]] = relationship(secondary=ticket_skills)
    parent: Mapped[Ticket | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Ticket]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Ticket.id"
    )
    merged_into: Mapped[Ticket | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    technicians: Mapped[list[TicketTechnician]] = relationship(
        order_by="(TicketTechnician.rule, TicketTechnician.user_id)", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="save-update, merge"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="ticket", order_by="Comment.id", cascade="save-update, merge"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="ticket", order_by="Attachment.id", cascade="save-update, merge"
    )

    __mapper_args__ = {"version_id_col": version}

    @validates("subject", "description")
    def _fold_for_search(self, key: str, value: str | None) -> str | None:
        subject = value if key == "subject" else self.subject
        description = value if key == "description" else self.description
        self.search_text = search_text(subject, description)
        return value

    @property
    def known_id(self) -> int:
        """The id, without a query: a ticket that a commit expired still knows its identity."""
        identity = inspect(self).identity
        return identity[0] if identity else self.id

    @property
    def number(self) -> str:
        return f"#{self.known_id}"

    def technician_ids(self, rule: str) -> list[int]:
        """The ids of the technicians named with ``rule`` (a :class:`TechnicianRule`)."""
        return [row.user_id for row in self.technicians if row.rule == rule]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def location_text(self) -> str:
        building, floor = _location_words()
        parts = [self.site.name if self.site else ""]
        parts += [
            self.building and building % {"b": self.building},
            self.floor and floor % {"f": self.floor},
            self.room,
        ]
        return ", ".join(p for p in parts if p)


_LOCATION_WORDS: dict[str, tuple[str, str]] = {}


def _location_words() -> tuple[str, str]:
    """The words "building %(b)s" and "floor %(f)s" in the current language, looked up once per
    language and process: a planning board writes two hundred locations, and each look-up in the
    catalogue costs more than the rest of the sentence."""
    from flask_babel import get_locale, gettext

    language = str(get_locale())
    words = _LOCATION_WORDS.get(language)
    if words is None:
        words = _LOCATION_WORDS[language] = (gettext("building %(b)s"), gettext("floor %(f)s"))
    return words


class TicketEvent(db.Model):
    """One line of the official record. Append-only: updates and deletes are refused."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    internal: Mapped[bool] = mapped_column(default=False)  # hidden from the requester

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@event.listens_for(TicketEvent, "before_update")
@event.listens_for(TicketEvent, "before_delete")
def _record_is_append_only(mapper, connection, target):
    raise RuntimeError("ticket events are append-only")


# The operator class of ix_ticket_search_text.
create_extension_with(Ticket.__table__, "pg_trgm")


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class Attachment(db.Model):
    """A file stored under a generated name; the uploader's name is kept only as text."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    comment: Mapped[Comment | None] = relationship()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class AttachmentChunk(db.Model):
    """A piece of an attachment's content, when attachments live in the database
    (ATTACHMENT_STORAGE = "database"): pieces of up to a mebibyte, so that neither storing nor
    serving a file holds it whole in memory.

    Keyed by the attachment's stored name with no foreign key: the content is written before
    its attachment row, whose size and checksum are known only once the upload is read.
    """

    __tablename__ = "attachment_chunk"

    stored_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
