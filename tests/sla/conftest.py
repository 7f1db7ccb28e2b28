"""Service-level fixtures: policies, and a clock the ticket use cases read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.extensions import db
from dispatch.sla.models import SlaPolicy
from tests.api.conftest import api  # noqa: F401  (the API client, for the API's tests here)


@pytest.fixture
def make_policy(app):
    def make(**kw):
        values = dict(name=f"Policy {len(kw)}-{id(kw)}", first_response_minutes=60)
        values.update(resolution_minutes=kw.pop("resolution_minutes", 480), **kw)
        policy = SlaPolicy(**values)
        db.session.add(policy)
        db.session.commit()
        return policy

    return make


class Now:
    """The time the ticket use cases stamp on tickets and events, set by the test."""

    def __init__(self, monkeypatch) -> None:
        self.at = datetime(2026, 12, 7, 9, tzinfo=UTC)
        for module in ("services", "changes", "cataloguing", "dispatching"):
            monkeypatch.setattr(f"dispatch.tickets.{module}.utcnow", self)

    def __call__(self) -> datetime:
        return self.at

    def set(self, *args, tz=UTC) -> datetime:
        self.at = datetime(*args, tzinfo=tz).astimezone(UTC)
        return self.at


@pytest.fixture
def now(monkeypatch):
    return Now(monkeypatch)
