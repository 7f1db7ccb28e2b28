"""Maintenance plans and their occurrences.

A plan covers one asset, or every asset of a type at chosen sites. Each (plan, asset, due date)
is one occurrence, made at most once: the unique key is what keeps overlapping generation runs
from making a visit twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.assets.models import Asset, AssetType
from dispatch.extensions import db
from dispatch.people.models import Skill, User
from dispatch.tickets.models import Ticket
from dispatch.types import UTCDateTime, utcnow

plan_skills = Table(
    "maintenance_plan_skill",
    db.metadata,
    Column("plan_id", ForeignKey("maintenance_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)


class OccurrenceStatus(StrEnum):
    OPEN = "open"  # its ticket is made; done once the ticket is finished
    SKIPPED = "skipped"


class MaintenancePlan(db.Model):
    __tablename__ = "maintenance_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock
    name: Mapped[str] = mapped_column(String(120))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    asset_type_id: Mapped[int | None] = mapped_column(ForeignKey("asset_type.id"))
    site_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # with a type; [] for all
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration_min: Mapped[int] = mapped_column(default=60)
    rule: Mapped[str] = mapped_column(String(500))  # RFC 5545 RRULE, without DTSTART
    starts_on: Mapped[date] = mapped_column(Date)
    from_last_done: Mapped[bool] = mapped_column(default=False)
    lead_days: Mapped[int] = mapped_column(default=14)
    window_days: Mapped[int] = mapped_column(default=10)  # working days from the due date
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    asset: Mapped[Asset | None] = relationship()
    asset_type: Mapped[AssetType | None] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=plan_skills)
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name


class MaintenanceOccurrence(db.Model):
    __tablename__ = "maintenance_occurrence"
    __table_args__ = (db.UniqueConstraint("plan_id", "asset_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plan.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=OccurrenceStatus.OPEN)
    skip_reason: Mapped[str] = mapped_column(String(300), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    checklist_done: Mapped[list[int]] = mapped_column(JSON, default=list)  # ticked items
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[MaintenancePlan] = relationship()
    asset: Mapped[Asset] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
