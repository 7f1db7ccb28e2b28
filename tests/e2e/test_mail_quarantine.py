"""The mail quarantine in a real browser (CSRF on), at phone and desktop width: a dispatcher
reads why a message waits, releases one and discards another."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.mail.message_ids import make_message_id
from dispatch.mail.models import Inbound, MailMessage
from tests.conftest import PASSWORD
from tests.mail.conftest import AUTHSERV_ID

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def authserv(monkeypatch):
    """The live server reads our MTA's results too (it builds its app from the environment)."""
    monkeypatch.setenv("FLASK_MAIL_AUTHSERV_ID", AUTHSERV_ID)


@pytest.fixture
def held(app, make_ticket, make_user):
    """Two messages in quarantine: a forged agent reply and a stranger's reply."""
    from dispatch.mail.ingest import ingest
    from dispatch.tickets.services import add_comment

    app.config.update(SECRET_KEY="e2e", MAIL_AUTHSERV_ID=AUTHSERV_ID)
    ticket = make_ticket(requester=make_user(email="ana@example.com", name="Ana Pop"))
    add_comment(ticket, make_user("agent", email="victor@example.com"), "On it")
    ref = make_message_id(ticket.id)

    def message(sender, subject, extra=""):
        return (
            f"From: {sender}\r\nTo: help@example.com\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.split()[0]}@mail.example>\r\nIn-Reply-To: {ref}\r\n{extra}"
            "Content-Type: text/plain\r\n\r\nThe toner is replaced, all good now.\r\n"
        ).encode()

    forged = ingest(
        message(
            "Victor <victor@example.com>",
            "Re: printer jammed on floor 2",
            f"Authentication-Results: {AUTHSERV_ID}; dmarc=fail (p=reject) "
            "header.from=example.com; spf=softfail smtp.mailfrom=example.com\r\n",
        )
    )
    stranger = ingest(message("Mallory <mallory@evil.example>", "Invoice overdue"))
    assert forged.status == stranger.status == Inbound.QUARANTINE
    return ticket, forged.mail_id, stranger.mail_id


@pytest.mark.parametrize("size", SIZES)
def test_dispatcher_releases_and_discards(
    authserv, live_server, browser, make_user, shot, held, size
):
    ticket, forged, stranger = held
    dispatcher = make_user("dispatcher", name="Dora Dispatch")
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(20_000)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(dispatcher.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live_server}/mail/quarantine")
    assert "sender authentication failed (dmarc=fail spf=softfail)" in page.content()
    shot(page, f"quarantine-0-list-{size}")
    page.click("text=Re: printer jammed on floor 2")
    page.wait_for_url(re.compile(rf".*/mail/quarantine/{forged}$"))
    assert page.locator(".badge", has_text="from our mail server").inner_text() == (
        "from our mail server"
    )
    shot(page, f"quarantine-1-message-{size}")
    page.get_by_role("button", name="Release").click()
    page.wait_for_url(re.compile(r".*/mail/quarantine$"))
    assert f"Released: posted on ticket #{ticket.id}." in page.content()
    shot(page, f"quarantine-2-released-{size}")

    page.locator("li", has_text="Invoice overdue").get_by_role("button", name="Discard").click()
    page.wait_for_selector("text=Message discarded.")
    assert "Nothing in quarantine." in page.content()
    shot(page, f"quarantine-3-discarded-{size}")
    db.session.expire_all()
    assert db.session.get(MailMessage, forged).status == Inbound.COMMENT
    assert db.session.get(MailMessage, stranger).status == Inbound.DISCARDED
