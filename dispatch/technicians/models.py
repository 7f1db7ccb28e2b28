"""A field technician's planning data: home base, weekly working hours with lunch, days off.

Skills stay on the user (dispatch.people.models.User.skills) and the time zone comes from the
technician's site; times here are local wall-clock times of that zone.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.types import UTCDateTime, utcnow


class TechnicianProfile(db.Model):
    """Where a technician's day starts and ends (their home base), and notes for dispatchers."""

    __tablename__ = "technician_profile"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    home_address: Mapped[str] = mapped_column(String(300), default="")
    home_latitude: Mapped[float | None]
    home_longitude: Mapped[float | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()

    @property
    def home(self) -> tuple[float, float] | None:
        if self.home_latitude is None or self.home_longitude is None:
            return None
        return self.home_latitude, self.home_longitude


class WorkingHours(db.Model):
    """The hours a technician works on one weekday (Monday = 0); no row: not a working day.

    Lunch is a break of ``lunch_minutes`` taken somewhere inside ``lunch_start``–``lunch_end``.
    """

    __tablename__ = "working_hours"
    __table_args__ = (UniqueConstraint("user_id", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    lunch_start: Mapped[time | None] = mapped_column(Time)
    lunch_end: Mapped[time | None] = mapped_column(Time)
    lunch_minutes: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class DayOff(db.Model):
    """A day the technician does not work (leave, training, sick): they are not planned."""

    __tablename__ = "day_off"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
