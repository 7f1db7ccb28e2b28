"""Mail out: the outbox fills from the record, is sent by a real SMTP server after commit,
kept locally without a server, retried on failure; headers that prevent loops."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

from dispatch.extensions import db
from dispatch.mail import compose, outbound
from dispatch.mail.message_ids import check_message_id
from dispatch.mail.models import MailTemplate, Outbound, OutboxMessage
from dispatch.tickets.models import Ticket
from dispatch.tickets.services import add_comment, change_status, record


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def test_no_server_keeps_mail_in_the_local_outbox(make_ticket, outbox, make_user):
    user = make_user(email="ana@example.com", name="Ana")
    ticket = make_ticket(requester=user)
    rows = outbox()
    assert [(r.kind, r.status, r.recipient) for r in rows] == [
        ("ack", Outbound.LOCAL, "ana@example.com")
    ]
    assert ticket.number in rows[0].subject and ticket.number in rows[0].body
    assert f"http://localhost/tickets/{ticket.id}" in rows[0].body


def test_acknowledgement_over_real_smtp_with_loop_headers(
    app, smtp_server, make_ticket, outbox, make_user
):
    ticket = make_ticket(requester=make_user(email="ana@example.com"))
    outbox()
    [(mail_from, rcpts, raw)] = smtp_server.messages
    msg = parsed(raw)
    assert rcpts == ["ana@example.com"] and mail_from == "help@example.com"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Dispatch-Loop"]
    check = check_message_id(msg["Message-ID"])
    assert check.valid and check.ticket_id == ticket.id
    assert f"[{ticket.number}]" in msg["Subject"]
    assert msg["References"] and msg["In-Reply-To"]


def test_assigned_resolved_and_staff_comment_messages(
    app, smtp_server, make_ticket, make_user, outbox
):
    requester = make_user(email="ana@example.com")
    agent = make_user("agent", name="Victor Agent")
    ticket = make_ticket(requester=requester)
    ticket.kind, ticket.assignee_id = "remote", agent.id
    from dispatch.tickets.services import record

    record(ticket, agent, "assigned", old=None, new=agent.name, assignee=agent.id, group=None)
    db.session.commit()
    add_comment(ticket, agent, "Please restart it and tell me.")
    add_comment(ticket, agent, "internal only", internal=True)
    add_comment(ticket, requester, "Restarted, still broken.")  # no mail back to the requester
    change_status(ticket, agent, "resolved")
    rows = outbox()
    assert [r.kind for r in rows] == ["ack", "assigned", "comment", "resolved"]
    assert all(r.status == Outbound.SENT for r in rows)
    bodies = [parsed(raw).get_content() for _f, _t, raw in smtp_server.messages]
    assert "Victor Agent" in bodies[1]
    assert "Please restart it and tell me." in bodies[2] and "internal only" not in "".join(bodies)
    assert "/mail/reopen/" in bodies[3]
    assert parsed(smtp_server.messages[3][2])["Auto-Submitted"] == "auto-generated"


def test_nothing_is_queued_when_the_change_rolls_back(app, make_ticket, make_user):
    ticket = make_ticket()
    before = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
    agent = make_user("agent")
    from dispatch.tickets.services import record

    record(ticket, agent, "status", old="new", new="resolved")
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == before


def test_failing_server_never_blocks_the_change_and_is_retried(
    app, smtp_server, make_ticket, outbox
):
    smtp_server.refuse = True
    ticket = make_ticket()  # the commit succeeds whatever the mail server says
    [row] = outbox()
    assert row.status == Outbound.PENDING and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > datetime.now(UTC)
    smtp_server.refuse = False
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    [row] = outbox()
    assert row.status == Outbound.SENT and ticket.number in row.subject
    assert len(smtp_server.messages) == 1


def test_server_down_gives_up_after_the_last_attempt(app, make_ticket, outbox, closed_port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_SEND_ATTEMPTS=2)
    make_ticket()
    [row] = outbox()
    assert row.status == Outbound.PENDING
    row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    [row] = outbox()
    assert row.status == Outbound.FAILED and row.attempts == 2


def test_inline_delivery_sends_right_after_commit(app, smtp_server, make_ticket):
    app.config["MAIL_DELIVERY"] = "inline"
    make_ticket()
    assert len(smtp_server.messages) == 1


def test_thread_delivery_sends_in_the_background(app, smtp_server, make_ticket):
    import time

    app.config["MAIL_DELIVERY"] = "thread"
    try:
        make_ticket()
        deadline = time.time() + 10
        while not smtp_server.messages and time.time() < deadline:
            time.sleep(0.05)
        assert len(smtp_server.messages) == 1
    finally:
        outbound.stop_workers()


def test_acknowledgements_of_mail_are_rate_limited_per_address(app, make_ticket, make_user, outbox):
    app.config["MAIL_ACK_PER_HOUR"] = 3
    user = make_user(email="busy@example.com")
    for _ in range(5):
        make_ticket(requester=user, channel="email")
    rows = outbox()
    assert [r.status for r in rows] == [Outbound.LOCAL] * 3 + [Outbound.SUPPRESSED] * 2
    assert "rate limit" in rows[-1].last_error


def test_the_web_forms_author_is_always_acknowledged(app, make_ticket, make_user, outbox):
    # The cap is against forged senders; someone signed in asks for themselves (and the web
    # form has its own rate limit).
    app.config["MAIL_ACK_PER_HOUR"] = 3
    user = make_user(email="busy@example.com")
    for _ in range(3):
        make_ticket(requester=user, channel="email")
    for channel in ("web", "api"):
        make_ticket(requester=user, channel=channel)
    assert [r.status for r in outbox()] == [Outbound.LOCAL] * 5


def test_scheduled_and_on_the_way_messages_come_from_the_record(
    app, make_ticket, make_site, make_user, outbox
):
    site = make_site(name="Cluj Office", timezone="Europe/Bucharest")
    ticket = make_ticket(site_id=site.id)
    dana, radu = make_user("dispatcher"), make_user("technician", name="Radu Tech")
    start = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    # Publishing assigns and schedules in one go: one message, not two.
    record(ticket, dana, "assigned", old=None, new="Radu Tech", assignee=radu.id)
    record(
        ticket,
        dana,
        "visit",
        status="scheduled",
        plan=1,
        technician="Radu Tech",
        start=start.isoformat(),
        end=(start + timedelta(hours=2)).isoformat(),
    )
    db.session.commit()
    record(ticket, radu, "visit", status="en_route", visit=1)
    db.session.commit()
    rows = outbox()
    assert [r.kind for r in rows] == ["ack", "scheduled", "on_the_way"]
    scheduled, on_the_way = rows[-2], rows[-1]
    # A window one hour wide around the planned 09:30 (site time), not the service's end.
    assert "between 09:00 and 10:00" in scheduled.body and "Cluj Office" in scheduled.body
    assert "Tuesday, March 3, 2026" in scheduled.subject
    assert "Radu Tech is on the way" in on_the_way.body
    assert scheduled.headers["Auto-Submitted"] == "auto-generated"


def test_assignment_alone_still_sends_assigned(app, make_ticket, make_user, outbox):
    ticket = make_ticket()
    bob = make_user("agent", name="Bob")
    record(ticket, bob, "assigned", old=None, new="Bob", assignee=bob.id)
    db.session.commit()
    assert [r.kind for r in outbox()] == ["ack", "assigned"]


def test_admin_template_is_used_and_sandboxed(app, make_ticket, outbox):
    db.session.add(
        MailTemplate(
            key="ack",
            language="en",
            subject="Got it {{ number }}",
            body="Thanks {{ requester }} {{ ''.__class__.__mro__ }}",
        )
    )
    db.session.commit()
    make_ticket()
    [row] = outbox()
    # the sandbox refuses the attribute walk: the built-in text is used instead
    assert row.status == Outbound.LOCAL and row.subject.startswith("[#")
    tpl = db.session.scalar(db.select(MailTemplate))
    tpl.body = "Thanks {{ requester }}, ticket {{ number }}."
    db.session.commit()
    ticket = make_ticket()
    row = outbox()[-1]
    assert row.subject == f"Got it {ticket.number}" and row.body.startswith("Thanks ")


def test_headers_cannot_be_injected_through_the_subject(app, smtp_server, make_ticket, outbox):
    make_ticket(subject="Broken\r\nBcc: victim@example.com")
    outbox()
    [(_f, rcpts, raw)] = smtp_server.messages
    assert rcpts != ["victim@example.com"] and b"\nBcc:" not in raw


def test_every_default_template_renders(app):
    from dispatch.mail.texts import DEFAULTS, VARIABLES

    for kind in DEFAULTS:
        subject, body = compose.render_text(None, kind, {k: f"<{k}>" for k in VARIABLES}, "en")
        assert subject and body, kind


def test_smtp_settings_come_from_the_environment(monkeypatch, database_url):
    from dispatch import create_app

    monkeypatch.setenv("FLASK_MAIL_SERVER", "smtp.example.com")
    monkeypatch.setenv("FLASK_MAIL_PORT", "587")
    monkeypatch.setenv("FLASK_MAIL_USE_TLS", "true")
    monkeypatch.setenv("FLASK_MAIL_DEFAULT_SENDER", "Help <help@example.com>")
    other = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True}
    )
    cfg = other.config
    assert (cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_USE_TLS"]) == (
        "smtp.example.com",
        587,
        True,
    )
    assert cfg["MAIL_DEFAULT_SENDER"] == "Help <help@example.com>" and cfg["MAIL_USE_SSL"] is False


def test_automatic_answers_to_everyone_together_are_capped(app, ingest, mail, outbox, caplog):
    """Forged senders by the thousand, each under the per-address limit: the global cap holds,
    counted on the outbox that every process shares."""
    app.config["MAIL_AUTO_REPLY_LIMIT"] = 3
    for i in range(5):
        ingest(mail(sender=f"person{i}@example.org", subject=f"Question {i}"))
    with caplog.at_level("WARNING", logger="dispatch.mail"):
        rows = outbox()
    assert [r.status for r in rows] == [Outbound.LOCAL] * 3 + [Outbound.SUPPRESSED] * 2
    assert "MAIL_AUTO_REPLY_LIMIT" in rows[-1].last_error
    assert "MAIL_AUTO_REPLY_LIMIT (3 per hour) reached" in caplog.text
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 5  # the requests are kept
