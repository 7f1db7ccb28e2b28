"""Counting the SQL statements a request runs, to hold pages to a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from dispatch.extensions import db


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements sent to the database inside the block (every cursor execute of the
    app's engine: a web request's loading of the user included).

    The tests' app context, and so its session, outlives a request; the session is emptied
    first, as a production request starts with a fresh one (nothing already loaded). Objects
    the test made are detached by it: take their ids before."""
    db.session.remove()
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def statements_of_page(client, url: str, expect: str) -> int:
    """How many statements a GET of ``url`` runs; the page must answer 200 showing ``expect``
    (so that a count is never taken of an error page)."""
    with statements() as sent:
        response = client.get(url)
    assert response.status_code == 200
    assert expect in response.get_data(as_text=True)
    return len(sent)
