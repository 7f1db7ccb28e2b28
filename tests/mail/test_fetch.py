"""`flask mail fetch` against a real Dovecot on loopback."""
from __future__ import annotations

import imaplib
import threading
import uuid

import pytest

from dispatch.extensions import db
from dispatch.mail.models import MailMessage
from dispatch.tickets.models import Ticket


@pytest.fixture
def mailbox(app, dovecot):
    """An empty folder of its own for this test; the app set to poll it."""
    folder = f"T{uuid.uuid4().hex[:10]}"
    conn = imaplib.IMAP4(dovecot["host"], dovecot["port"])
    conn.login(dovecot["user"], dovecot["password"])
    conn.create(folder)
    app.config.update(MAIL_IMAP_HOST=dovecot["host"], MAIL_IMAP_PORT=dovecot["port"],
                      MAIL_IMAP_SSL=False, MAIL_IMAP_USERNAME=dovecot["user"],
                      MAIL_IMAP_PASSWORD=dovecot["password"], MAIL_IMAP_FOLDER=folder)

    class Box:
        name = folder

        def append(self, raw: bytes):
            typ, _ = conn.append(folder, None, None, raw)
            assert typ == "OK"

        def flags(self):
            conn.select(folder)
            typ, data = conn.fetch("1:*", "(FLAGS)")
            return [d for d in data if d]

        def count(self, name=folder):
            typ, data = conn.select(name)
            return int(data[0])

    yield Box()
    conn.logout()


def _tickets():
    return db.session.scalar(db.select(db.func.count(Ticket.id)))


def test_fetch_stores_unseen_messages_and_marks_them(runner, mailbox, mail):
    for i in range(3):
        mailbox.append(mail(subject=f"Problem {i}"))
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    assert "fetched 3: 3 ticket" in result.output
    assert _tickets() == 3
    assert all(b"\\Seen" in f for f in mailbox.flags())
    again = runner.invoke(args=["mail", "fetch"])
    assert "fetched 0" in again.output and _tickets() == 3


def test_fetch_moves_to_a_done_folder(runner, mailbox, mail, app):
    done = mailbox.name + "done"
    import imaplib as _i

    app.config["MAIL_IMAP_DONE_FOLDER"] = done
    mailbox.append(mail())
    conn = _i.IMAP4(app.config["MAIL_IMAP_HOST"], app.config["MAIL_IMAP_PORT"])
    conn.login(app.config["MAIL_IMAP_USERNAME"], app.config["MAIL_IMAP_PASSWORD"])
    conn.create(done)
    conn.logout()
    assert runner.invoke(args=["mail", "fetch"]).exit_code == 0
    assert mailbox.count() == 0 and mailbox.count(done) == 1


def test_two_fetches_at_once_create_each_ticket_once(app, mailbox, mail):
    from dispatch import create_app
    from dispatch.mail.fetch import fetch_once

    for i in range(8):
        mailbox.append(mail(subject=f"Concurrent {i}"))
    config = dict(app.config)
    barrier, errors = threading.Barrier(2), []

    # The apps are built here, one after the other: what races is the fetch. (CPython 3.11's
    # compiler is not safe to run in two threads at once, and building an app compiles code.)
    apps = [create_app({k: config[k] for k in config if k.isupper()}) for _ in range(2)]

    def run(other):
        try:
            with other.app_context():
                try:
                    barrier.wait(timeout=30)
                    fetch_once()
                finally:
                    db.session.remove()
                    db.engine.dispose()
        except Exception as exc:  # reported below; a failing thread must not hang the other
            errors.append(exc)
            barrier.abort()

    # Daemon threads: whatever happens, they cannot keep the test run from exiting.
    threads = [threading.Thread(target=run, args=(other,), daemon=True) for other in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    db.session.expire_all()
    assert _tickets() == 8
    assert db.session.scalar(db.select(db.func.count(MailMessage.id))) == 8


def test_database_down_leaves_the_message_unseen(runner, mailbox, mail, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from dispatch.mail import ingest as module

    def down(*a, **k):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(module, "_ingest", down)
    mailbox.append(mail())
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 75
    assert not any(b"\\Seen" in f for f in mailbox.flags())
    monkeypatch.undo()
    assert runner.invoke(args=["mail", "fetch"]).exit_code == 0 and _tickets() == 1


def test_unreachable_server_is_a_clear_error(runner, app):
    from mail_support import free_port

    app.config.update(MAIL_IMAP_HOST="127.0.0.1", MAIL_IMAP_PORT=free_port(), MAIL_IMAP_SSL=False)
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 75 and "cannot log in" in result.output


def test_a_huge_message_is_refused_without_downloading_it(runner, mailbox, mail, app):
    app.config["MAIL_MAX_BYTES"] = 100_000
    raw = mail(body="x" * 150_000, message_id="<big@example.com>")
    mailbox.append(raw)
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0 and "1 rejected" in result.output
    row = db.session.scalar(db.select(MailMessage))
    assert not row.raw_complete and len(row.raw) < 2000 and row.size >= len(raw) - 200
    assert row.message_id == "<big@example.com>" and _tickets() == 0
    assert all(b"\\Seen" in f for f in mailbox.flags())
