"""Planning: runs of the engine, the visits they propose or publish, and what goes with them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.models import Ticket
from dispatch.types import UTCDateTime, utcnow


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # a proposed plan, ready for review
    FAILED = "failed"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # replaced by a re-run or a later publication


ACTIVE_RUN = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})


class VisitStatus(StrEnum):
    PLANNED = "planned"
    PUBLISHED = "published"
    EN_ROUTE = "en_route"
    ARRIVED = "arrived"
    DONE = "done"
    CANCELLED = "cancelled"


#: Visits a technician has started: re-planning never touches them.
STARTED = frozenset({VisitStatus.EN_ROUTE, VisitStatus.ARRIVED, VisitStatus.DONE})


class PlanRun(db.Model):
    """One planning request: its scope, the engine's progress, the problem and the result."""

    __tablename__ = "plan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_day: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(default=1)
    site_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(120), default="")  # a city, "" for all
    kind: Mapped[str] = mapped_column(String(10), default="plan")  # plan, rerun, replan
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"))
    urgent_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    time_limit: Mapped[int] = mapped_column(default=10)
    status: Mapped[str] = mapped_column(String(12), default=RunStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    message: Mapped[str] = mapped_column(String(500), default="")  # in the company's language
    # The message as data (dispatch.stored_text), which each page says in its reader's language.
    message_data: Mapped[dict[str, Any] | list[Any] | None] = mapped_column(JSON)
    solving_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Stamped while a process runs the plan (dispatch.planning.heartbeat): a stale stamp means
    # that process died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # What the run was asked to keep: pinned visits, removed tickets, re-plan hints.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # VROOM-JSON input, with its travel matrix (tens of kilobytes): loaded only when read, not
    # with every page that shows the run.
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # plan, maps, reasons, moves

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    visits: Mapped[list[Visit]] = relationship(
        back_populates="plan_run",
        order_by="Visit.technician_id, Visit.day, Visit.order",
        cascade="all, delete-orphan",
    )

    @property
    def last_day(self) -> date:
        from datetime import timedelta

        return self.first_day + timedelta(days=self.days - 1)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN


class Visit(db.Model):
    """A technician's stop at a ticket's place on one day."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_technician_day", "technician_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(
        ForeignKey("plan_run.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    day: Mapped[date] = mapped_column(Date)
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime)
    order: Mapped[int] = mapped_column(default=0)
    travel_seconds: Mapped[int] = mapped_column(default=0)  # driving to this stop
    pinned: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default=VisitStatus.PLANNED, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    time_spent_min: Mapped[int | None]
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plan_run: Mapped[PlanRun] = relationship(back_populates="visits")
    ticket: Mapped[Ticket] = relationship()
    technician: Mapped[User] = relationship()

    @property
    def stamp(self) -> str:
        """Where and when the visit is, as the board showed it: a move sends it back, so a move
        made on a board that someone else changed since is refused instead of undoing theirs."""
        start = self.planned_start.astimezone(UTC)
        return f"{self.technician_id}/{self.day.isoformat()}/{start:%Y%m%dT%H%M}"


class PlanLock(db.Model):
    """One row per day being planned: the unique day makes a second planner fail on insert."""

    __tablename__ = "plan_lock"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_run.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan_run: Mapped[PlanRun] = relationship()
