"""Never a loop, never a storm."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.mail.message_ids import loop_token, make_message_id
from dispatch.mail.models import Inbound, OutboxMessage
from dispatch.tickets.models import Status, Ticket, TicketEvent

AUTOMATIC = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated; type=alert"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"Precedence": "auto_reply"},
    {"X-Autoreply": "yes"},
    {"X-Autorespond": "Out of office"},
    {"X-Auto-Response-Suppress": "OOF"},
    {"List-Id": "<staff.example.com>"},
    {"Return-Path": "<>"},
    {"X-Failed-Recipients": "gone@example.com"},
]


@pytest.fixture
def resolved_ticket(make_ticket, make_user):
    ticket = make_ticket(requester=make_user(email="ana@example.com"))
    ticket.status = Status.RESOLVED
    from dispatch.types import utcnow

    ticket.resolved_at = utcnow()
    db.session.commit()
    return ticket


def _acks():
    return db.session.scalar(db.select(db.func.count(OutboxMessage.id)))


def test_automatic_replies_are_noted_but_never_answered_nor_reopen(ingest, mail, resolved_ticket):
    before = _acks()
    for n, headers in enumerate(AUTOMATIC, 1):
        outcome = ingest(
            mail(
                sender="ana@example.com",
                subject="Out of office",
                headers={"In-Reply-To": make_message_id(resolved_ticket.id), **headers},
            )
        )
        assert (outcome.status, outcome.ticket_id) == (Inbound.COMMENT, resolved_ticket.id), headers
        ticket = db.session.get(Ticket, resolved_ticket.id)
        assert ticket.status == Status.RESOLVED and ticket.comments == [], headers
        notes = db.session.scalars(
            db.select(TicketEvent).filter_by(ticket_id=ticket.id, type="mail_automatic")
        ).all()
        assert len(notes) == n and all(note.internal for note in notes)
    assert _acks() == before


def test_an_automatic_message_from_outside_the_ticket_is_not_noted(ingest, mail, resolved_ticket):
    """Holding one of our references (a forwarded mail) is not enough to write on the record."""
    outcome = ingest(
        mail(
            sender="outsider@elsewhere.example",
            subject="Out of office",
            headers={
                "In-Reply-To": make_message_id(resolved_ticket.id),
                "Auto-Submitted": "auto-replied",
            },
        )
    )
    assert outcome.status == Inbound.DROPPED
    assert not db.session.scalars(
        db.select(TicketEvent).filter_by(ticket_id=resolved_ticket.id, type="mail_automatic")
    ).all()


def test_bounce_finds_its_ticket_in_the_returned_headers(ingest, mail, resolved_ticket):
    for n, sender in enumerate(["MAILER-DAEMON@mx.example.com", "postmaster@example.com"]):
        _bounce(ingest, resolved_ticket, sender, n)


def _bounce(ingest, resolved_ticket, sender, n):
    ours = make_message_id(resolved_ticket.id)
    report = (
        f"From: {sender}\r\nTo: help@localhost\r\nSubject: Undelivered Mail\r\n"
        f"Message-ID: <bounce{n}@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        "--R\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; ana@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours}\r\n"
        f"Subject: [#{resolved_ticket.id}]\r\n"
        "--R--\r\n"
    ).encode()
    before = _acks()
    outcome = ingest(report)
    assert (outcome.status, outcome.ticket_id) == (Inbound.COMMENT, resolved_ticket.id)
    assert _acks() == before


def test_out_of_office_about_nothing_goes_to_quarantine_unanswered(ingest, mail):
    outcome = ingest(mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    assert outcome.status == Inbound.QUARANTINE and _acks() == 0


def test_monitoring_alert_opens_a_ticket_without_acknowledgement(ingest, mail, outbox):
    outcome = ingest(
        mail(
            sender="nagios@example.com",
            subject="DISK CRITICAL on fs01",
            headers={"Auto-Submitted": "auto-generated"},
        )
    )
    assert outcome.status == Inbound.TICKET
    assert outbox() == []


def test_our_own_mail_coming_back_is_dropped_with_a_log_line(
    ingest, mail, app, caplog, make_ticket
):
    ticket = make_ticket()
    before = _acks()
    app.config["MAIL_DEFAULT_SENDER"] = "Help desk <Help@Example.com>"
    for kw in (
        {"headers": {"X-Dispatch-Loop": loop_token()}},
        {"message_id": make_message_id(ticket.id)},
        {"sender": "help@example.com"},
    ):
        caplog.clear()
        with caplog.at_level("WARNING", logger="dispatch.mail"):
            outcome = ingest(mail(**kw))
        assert outcome.status == Inbound.DROPPED, kw
        assert "own message" in caplog.text
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1 and _acks() == before


def test_an_autoresponder_ping_pong_stops(ingest, mail, outbox, app):
    """A robot answering every message we send: our acks to it are capped per hour and its
    answers (auto-replied) never open tickets nor get answers."""
    app.config["MAIL_ACK_PER_HOUR"] = 2
    for i in range(6):
        ingest(mail(sender="robot@example.org", subject=f"Question {i}"))
    rows = outbox()
    assert sum(r.status == "local" for r in rows) == 2
    for row in rows:
        if row.message_id:
            out = ingest(
                mail(
                    sender="robot@example.org",
                    subject="Auto: " + row.subject,
                    headers={"In-Reply-To": row.message_id, "Auto-Submitted": "auto-replied"},
                )
            )
            assert out.status == Inbound.COMMENT
    assert len(outbox()) == len(rows)


def test_new_tickets_per_sender_are_capped_and_domains_allowed(ingest, mail, app):
    app.config["MAIL_MAX_TICKETS_PER_HOUR"] = 3
    statuses = [ingest(mail(sender="flood@example.com", subject=f"n{i}")).status for i in range(5)]
    assert statuses == [Inbound.TICKET] * 3 + [Inbound.QUARANTINE] * 2
    app.config["MAIL_ALLOWED_DOMAINS"] = ["example.com"]
    assert ingest(mail(sender="x@example.com")).status == Inbound.TICKET
    assert ingest(mail(sender="x@elsewhere.org")).status == Inbound.QUARANTINE
