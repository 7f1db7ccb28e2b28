"""Triage data: keyword rules and the dispatcher's decisions the classifier learns from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.types import UTCDateTime, utcnow


class KeywordRule(db.Model):
    """If the subject or description contains ``phrase``, suggest ``kind``."""

    __tablename__ = "keyword_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)


class TriageDecision(db.Model):
    """What the dispatcher decided for a ticket's kind, and what had been suggested.

    Every decision is training data; ``overridden`` marks the ones that corrected us.
    """

    __tablename__ = "triage_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    suggested_kind: Mapped[str | None] = mapped_column(String(10))
    suggestion_source: Mapped[str] = mapped_column(String(20), default="")
    overridden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
