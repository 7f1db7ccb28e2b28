"""The official record of administration: one row per change, never updated or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.types import UTCDateTime, utcnow

# The database itself refuses to change or remove a recorded event, so that neither a bug nor
# a hand-written statement through the application's account can rewrite the record. The
# migration creates the same triggers (and drops them on downgrade).
APPEND_ONLY = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION admin_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'admin events are append-only'; END $$",
        "CREATE TRIGGER admin_event_append_only BEFORE UPDATE OR DELETE ON admin_event "
        "FOR EACH ROW EXECUTE FUNCTION admin_event_append_only()",
    ],
    "sqlite": [
        "CREATE TRIGGER admin_event_no_update BEFORE UPDATE ON admin_event "
        "BEGIN SELECT RAISE(ABORT, 'admin events are append-only'); END",
        "CREATE TRIGGER admin_event_no_delete BEFORE DELETE ON admin_event "
        "BEGIN SELECT RAISE(ABORT, 'admin events are append-only'); END",
    ],
}
DROP_APPEND_ONLY = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS admin_event_append_only ON admin_event",
        "DROP FUNCTION IF EXISTS admin_event_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS admin_event_no_update",
        "DROP TRIGGER IF EXISTS admin_event_no_delete",
    ],
}


class AdminEvent(db.Model):
    """Who changed what in the administration, when, and the values before and after."""

    __tablename__ = "admin_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The account that acted (None: the command line); its name is kept as it was then.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(40), index=True)
    target_id: Mapped[int | None]
    target_name: Mapped[str] = mapped_column(String(255), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # By name: people records its own changes here, so this package cannot import it.
    actor: Mapped[User | None] = relationship("User")  # noqa: F821


@event.listens_for(AdminEvent, "before_update")
@event.listens_for(AdminEvent, "before_delete")
def _record_is_append_only(mapper, connection, target):
    raise RuntimeError("admin events are append-only")


for _dialect, _statements in APPEND_ONLY.items():
    for _statement in _statements:
        event.listen(
            AdminEvent.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )
