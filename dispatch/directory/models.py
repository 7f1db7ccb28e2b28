"""What the directory's sync did, for the admin page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.types import UTCDateTime


class DirectorySync(db.Model):
    """One run of ``flask directory sync`` (dry runs are not kept)."""

    __tablename__ = "directory_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    people: Mapped[int] = mapped_column(default=0)  # found in the directory
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    deactivated: Mapped[int] = mapped_column(default=0)
    reactivated: Mapped[int] = mapped_column(default=0)
    # Lines an admin must act on: local accounts the directory also has, people without mail.
    problems: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(200), default="")  # who ran it
