"""The in-app notification: a short text for one user, with an optional link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.stored_text import render
from dispatch.types import UTCDateTime, utcnow


class Notification(db.Model):
    """An in-app message to one user (shown in the navbar's count and on /notifications)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What it says, as data (dispatch.stored_text), so that it is read in the reader's
    # language of the moment; ``text`` is that said in the company's language, and all that a
    # notification made before kept.
    message: Mapped[dict[str, Any] | list[Any] | None] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(300), default="")
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def shown(self) -> str:
        """The text in the current language."""
        return render(self.message)[:500] if self.message else self.text
