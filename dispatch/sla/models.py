"""Service-level policies and the company's closure days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.sites.models import Site
from dispatch.tickets.models import Category

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
