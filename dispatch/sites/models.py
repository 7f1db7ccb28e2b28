"""Company sites: where people work and where technicians go."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from sqlalchemy import String, Time
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db

#: Monday = 0, as datetime.weekday().
WEEKDAYS_DEFAULT = "01234"


class Site(db.Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(17, 0))
    open_weekdays: Mapped[str] = mapped_column(String(7), default=WEEKDAYS_DEFAULT)
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO code: public holidays
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def is_open_on(self, weekday: int) -> bool:
        return str(weekday) in self.open_weekdays

    def __str__(self) -> str:
        return self.name
