"""What reports keep: the admins' settings (who gets the monthly summary, whether site managers
may read reports), the site managers' grants, and the months whose summary was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sites.models import Site
from dispatch.types import UTCDateTime, utcnow


class ReportSettings(db.Model):
    """One row (id 1), made when an admin first saves the settings."""

    __tablename__ = "report_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Addresses, one a line, that receive the monthly summary (none: no summary is sent).
    summary_recipients: Mapped[str] = mapped_column(Text, default="")
    #: Whether the grants of SiteManager are in force.
    site_managers_allowed: Mapped[bool] = mapped_column(default=False)

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in self.summary_recipients.splitlines() if a.strip()]


class SiteManager(db.Model):
    """A person who may read the reports of one site (while admins allow site managers)."""

    __tablename__ = "site_manager"
    __table_args__ = (UniqueConstraint("user_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    site: Mapped[Site] = relationship()


class SummarySent(db.Model):
    """The claim of one month's summary: the unique month is what keeps it to one mailing,
    however many workers or cron runs try at once."""

    __tablename__ = "report_summary_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
