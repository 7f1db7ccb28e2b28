"""The database stops answering in the middle of a request (a restart, a failover): the app's
own page says to try again in a moment (503, Retry-After), drawn without the database, and the
API says the same in JSON; a connection that dies after the page was made is discarded quietly.
The next requests reconnect (pool_pre_ping: test_database_restart.py here, and the deployment
test, which restarts a real PostgreSQL)."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from dispatch.extensions import db


class Gone(Exception):
    """What the driver says when the server ends the connection."""


@pytest.fixture
def database_goes_away(app):
    """A route that reads the signed-in user, then finds every statement failing, as when the
    server is restarted under it; the failures stop with the test."""

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT …", {}, Gone("terminating connection"))

    def gone():
        assert current_user.is_authenticated  # the user was read before the database went
        db.session.expire_all()  # the page would have to read the user again
        event.listen(db.engine, "before_cursor_execute", refuse)
        db.session.execute(db.text("SELECT 1"))

    app.add_url_rule("/gone", "gone", gone)
    app.add_url_rule("/api/v1/gone", "api_gone", gone)

    yield
    if event.contains(db.engine, "before_cursor_execute", refuse):
        event.remove(db.engine, "before_cursor_execute", refuse)


def test_a_page_says_to_try_again(client, auth, database_goes_away):
    auth.login(role="dispatcher")
    response = client.get("/gone")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "The database is not answering. Please try again in a moment." in page
    assert "Back to Dispatch" in page  # the app's own page, not the server's bare one


def test_the_api_says_it_in_json(client, auth, database_goes_away):
    auth.login(role="dispatcher")
    response = client.get("/api/v1/gone")
    assert response.status_code == 503
    assert response.get_json()["error"].startswith("The database is not answering")


def test_a_connection_the_server_ended_is_discarded_at_the_end_of_a_request(
    app, monkeypatch, caplog
):
    """The page was made, then the server ended the connection (a restart) before the session
    was ended: the rollback that ends it fails. That must not turn the finished request into a
    500: the session is closed without a rollback and the pool reconnects next time."""
    session_class = type(db.session())
    close = session_class.close
    failed = []

    def close_on_a_dead_connection(self):
        if not failed:
            failed.append(self)
            raise OperationalError("ROLLBACK", {}, Gone("terminating connection"))
        return close(self)

    monkeypatch.setattr(session_class, "close", close_on_a_dead_connection)
    with app.app_context():  # a request's own context: its teardown ends the session
        assert db.session.execute(db.text("SELECT 1")).scalar() == 1
    assert failed, "the session was ended at the end of the context"
    assert "database connection lost at the end of a request" in caplog.text
    with app.app_context():
        assert db.session.execute(db.text("SELECT 2")).scalar() == 2
