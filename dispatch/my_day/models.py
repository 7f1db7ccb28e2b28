"""The technician's private calendar feed (its visits as iCalendar, at a secret address)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.types import UTCDateTime, utcnow


class CalendarFeed(db.Model):
    """A technician's private iCalendar address; only the token's SHA-256 is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        """What is stored of a feed token."""
        return hashlib.sha256(token.encode()).hexdigest()
