"""`flask mail fetch` against a real Dovecot on loopback."""

from __future__ import annotations

import threading

import pytest

from dispatch.extensions import db
from dispatch.mail.models import MailMessage
from dispatch.tickets.models import Ticket


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


def test_unreachable_server_is_a_clear_error(runner, app, closed_port):
    app.config.update(MAIL_IMAP_HOST="127.0.0.1", MAIL_IMAP_PORT=closed_port, MAIL_IMAP_SSL=False)
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


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
def test_fetch_over_tls_verifies_the_server(runner, app, dovecot_tls, mail, mode):
    """TLS on the imaps port or by STARTTLS before the login, the certificate checked against
    MAIL_IMAP_CAFILE: without that authority the same server is refused."""
    import imaplib
    import ssl

    box = dovecot_tls
    trusted = ssl.create_default_context(cafile=box["cafile"])
    tls = imaplib.IMAP4_SSL(box["host"], box["imaps_port"], ssl_context=trusted)
    tls.login(box["user"], box["password"])
    folder = f"TLS{mode}{threading.get_ident() % 10000}"
    tls.create(folder)
    tls.append(folder, None, None, mail(subject=f"Over TLS ({mode})"))
    tls.logout()
    app.config.update(
        MAIL_IMAP_HOST=box["host"],
        MAIL_IMAP_USERNAME=box["user"],
        MAIL_IMAP_PASSWORD=box["password"],
        MAIL_IMAP_FOLDER=folder,
    )
    if mode == "implicit":
        app.config.update(MAIL_IMAP_SSL=True, MAIL_IMAP_PORT=box["imaps_port"])
    else:
        app.config.update(MAIL_IMAP_SSL=False, MAIL_IMAP_STARTTLS=True, MAIL_IMAP_PORT=box["port"])

    refused = runner.invoke(args=["mail", "fetch"])  # the system's authorities do not know it
    assert refused.exit_code == 75 and "CERTIFICATE_VERIFY_FAILED" in refused.output
    app.config["MAIL_IMAP_CAFILE"] = box["cafile"]
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0 and "fetched 1: 1 ticket" in result.output, result.output
    assert _tickets() == 1
