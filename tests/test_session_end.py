"""How a request's database session ends on PostgreSQL: a transaction that wrote nothing is
committed (so psycopg keeps the connection's prepared statements), anything else is rolled back
as before. The request's end is what the app's teardown does: ``_end_reading`` then
``session.remove()``."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from dispatch.extensions import _end_reading, db
from dispatch.sites.models import Site

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements: PostgreSQL only")


def _end_request() -> None:
    _end_reading(db.session())
    db.session.remove()


def _prepared() -> list[str]:
    statements = db.session.execute(text("SELECT statement FROM pg_prepared_statements"))
    return [s for (s,) in statements if "FROM site" in s]


def test_requests_that_only_read_keep_their_prepared_statements(make_site):
    make_site(name="Cluj")
    db.session.commit()
    db.engine.dispose()  # one connection from here on, used by every "request" below
    for _ in range(7):  # psycopg prepares a statement on its sixth run on a connection
        assert db.session.scalars(select(Site).where(Site.name == "Cluj")).one()
        _end_request()
    # Ended by rollbacks, the connection would have forgotten them at each request's end.
    assert _prepared()


def test_a_request_that_wrote_is_rolled_back(make_site):
    make_site(name="Cluj")
    db.session.commit()
    db.session.execute(text("UPDATE site SET name = 'Iasi'"))  # written, never committed
    _end_request()
    assert db.session.scalar(select(Site.name)) == "Cluj"


def test_changes_not_yet_sent_are_not_committed(make_site):
    site = make_site(name="Cluj")
    db.session.commit()
    assert db.session.get(Site, site.id)  # a read: the transaction is open, nothing written
    db.session.get(Site, site.id).name = "Iasi"  # changed in the session, not flushed
    _end_request()
    assert db.session.scalar(select(Site.name)) == "Cluj"
