"""Service-level policies, the company's closure days, and the warnings already sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.sites.models import Site
from dispatch.tickets.models import Category
from dispatch.types import UTCDateTime, utcnow

#: The criteria a policy may set, most telling first (their order breaks ties of specificity).
CRITERIA = ("category", "priority", "kind", "site", "department")


class SlaPolicy(db.Model):
    """Targets for the tickets that match every criterion set (an empty one matches all)."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    priority: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str | None] = mapped_column(String(10))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    around_the_clock: Mapped[bool] = mapped_column(default=False)  # else the site's hours
    active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category | None] = relationship()
    site: Mapped[Site | None] = relationship()
    department: Mapped[Department | None] = relationship()

    def __str__(self) -> str:
        return self.name


class ClosureDay(db.Model):
    """A day the whole company is closed (besides public holidays): no business time runs."""

    __tablename__ = "closure_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(120))


class SlaWarning(db.Model):
    """A warning sent about one deadline of one ticket. The unique row is the claim: of
    several workers checking at once, the one whose insert commits sends it; a deadline that
    moves (a pause, a new policy) is a new deadline and may be warned about again."""

    __tablename__ = "sla_warning"
    __table_args__ = (UniqueConstraint("ticket_id", "target", "stage", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    target: Mapped[str] = mapped_column(String(20))  # first_response, resolution
    stage: Mapped[str] = mapped_column(String(10))  # warning, breach
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
