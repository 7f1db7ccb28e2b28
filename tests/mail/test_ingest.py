"""A new message becomes a ticket; the same message twice is recorded once."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.mail.models import Inbound, MailMessage
from dispatch.people.models import User
from dispatch.tickets.models import Attachment, Ticket
from dispatch.tickets.storage import attachment_storage


def test_new_message_becomes_a_ticket_with_a_new_requester(ingest, mail):
    outcome = ingest(mail(sender="Ana Pop <Ana.Pop@Example.com>"))
    assert outcome.status == Inbound.TICKET
    ticket = db.session.get(Ticket, outcome.ticket_id)
    assert ticket.channel == "email"
    assert ticket.subject == "Printer on floor 2 is jammed"
    assert "error E42" in ticket.description
    requester = ticket.requester
    assert (requester.email, requester.name, requester.role) == (
        "ana.pop@example.com",
        "Ana Pop",
        "employee",
    )
    assert requester.password_hash is None
    row = db.session.get(MailMessage, outcome.mail_id)
    assert row.ticket_id == ticket.id and row.raw.startswith(b"From:") or b"From:" in row.raw


def test_known_requester_brings_department_and_site(
    ingest, mail, make_user, make_site, make_department
):
    site, dept = make_site(), make_department()
    user = make_user(email="dan@example.com", name="Dan", site_id=site.id, department_id=dept.id)
    ticket = db.session.get(Ticket, ingest(mail(sender="Someone Else <dan@example.com>")).ticket_id)
    assert ticket.requester_id == user.id
    assert (ticket.site_id, ticket.department_id) == (site.id, dept.id)
    assert db.session.get(User, user.id).name == "Dan"  # an existing account is not renamed


def test_site_named_in_the_text_wins_and_triage_suggests(ingest, mail, make_user, make_site):
    from dispatch.triage.models import KeywordRule

    home, other = make_site(name="Cluj Office"), make_site(name="Iasi Warehouse", code="IAS")
    make_user(email="dan@example.com", site_id=home.id)
    db.session.add(KeywordRule(phrase="badge reader", kind="onsite"))
    db.session.commit()
    outcome = ingest(
        mail(sender="dan@example.com", body="I am at the Iasi Warehouse today, badge reader dead.")
    )
    ticket = db.session.get(Ticket, outcome.ticket_id)
    assert ticket.site_id == other.id and ticket.suggested_kind == "onsite"
    outcome = ingest(mail(sender="dan@example.com", body="Visiting IAS, scanner broken."))
    assert db.session.get(Ticket, outcome.ticket_id).site_id == other.id
    outcome = ingest(mail(sender="dan@example.com", body="Cluj Office or IAS? Both."))
    assert db.session.get(Ticket, outcome.ticket_id).site_id == home.id  # two named: profile


def test_plain_text_preferred_and_html_sanitised(ingest, mail):
    both = ingest(mail(body="plain words", html="<p>html <b>words</b></p>"))
    assert db.session.get(Ticket, both.ticket_id).description == "plain words"
    only_html = ingest(
        mail(
            body=None,
            html="<p>Hello<script>alert(1)</script></p><img src=x onerror=alert(2)>"
            '<a href="javascript:x()">link</a> &amp; more<style>p{}</style>',
        )
    )
    text = db.session.get(Ticket, only_html.ticket_id).description
    assert "Hello" in text and "link & more" in text
    assert "<" not in text and "alert" not in text and "javascript" not in text


@pytest.mark.parametrize("storage", ["folder", "database"])
def test_attachments_are_stored_like_web_attachments(ingest, mail, app, storage):
    app.config["ATTACHMENT_STORAGE"] = storage
    outcome = ingest(
        mail(
            attachments=[
                ("../../etc/passwd", b"root:x", "text/plain"),
                ("screen.png", b"\x89PNG....", "image/png"),
            ]
        )
    )
    rows = db.session.scalars(
        db.select(Attachment).filter_by(ticket_id=outcome.ticket_id).order_by(Attachment.id)
    ).all()
    assert [r.original_name for r in rows] == ["passwd", "screen.png"]
    assert all("/" not in r.stored_name for r in rows)
    with attachment_storage().open(rows[0].stored_name) as content:
        assert content.read() == b"root:x"


def test_same_message_twice_is_recorded_once(ingest, mail):
    raw = mail(message_id="<same@example.com>")
    first, second = ingest(raw), ingest(raw)
    assert first.status == Inbound.TICKET and second.status == Inbound.DUPLICATE
    assert second.ticket_id == first.ticket_id
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1
    assert db.session.scalar(db.select(db.func.count(MailMessage.id))) == 1
    assert db.session.get(MailMessage, first.mail_id).copies == 2
    # the same Message-ID from someone else is another message
    other = ingest(mail(message_id="<same@example.com>", sender="b@example.com"))
    assert other.status == Inbound.TICKET and other.ticket_id != first.ticket_id


def test_a_display_name_that_is_not_a_name_is_not_kept(ingest, mail):
    # Our mails greet the requester by name: a spoofed sender must not put a link in them.
    for sender, expected in [
        ('"Urgent: sign in at https://evil.example/x" <mara@example.com>', "mara"),
        ('"www.evil.example" <ion@example.com>', "ion"),
        ('"boss@example.com" <dan@example.com>', "dan"),
        ('"  Ioana\t  Marin  " <ioana@example.com>', "Ioana Marin"),
    ]:
        outcome = ingest(mail(sender=sender))
        assert db.session.get(Ticket, outcome.ticket_id).requester.name == expected, sender


def test_attachments_over_the_senders_daily_quota_go_to_quarantine(ingest, mail, app):
    app.config["ATTACHMENT_QUOTA_BYTES_PER_DAY"] = 1024
    first = ingest(mail(attachments=[("a.bin", b"a" * 1000, "application/octet-stream")]))
    second = ingest(mail(attachments=[("b.bin", b"b" * 100, "application/octet-stream")]))
    assert first.status == Inbound.TICKET and second.status == Inbound.QUARANTINE
    row = db.session.get(MailMessage, second.mail_id)
    assert "upload limit of" in row.reason and "is left" in row.reason
    assert [a.original_name for a in db.session.scalars(db.select(Attachment))] == ["a.bin"]
