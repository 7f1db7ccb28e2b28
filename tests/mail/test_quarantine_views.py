"""/mail/quarantine: dispatchers and admins release or discard held mail (404 for everyone
else, CSRF, escaped); a released message is processed as if it had just arrived."""

from __future__ import annotations

import pytest

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.mail.message_ids import make_message_id
from dispatch.mail.models import Inbound, MailMessage
from dispatch.tickets.models import Ticket
from tests.mail.conftest import AUTHSERV_ID


@pytest.fixture
def ticket(make_ticket, make_user):
    return make_ticket(requester=make_user(email="ana@example.com", name="Ana"))


@pytest.fixture
def forged(ingest, mail, ticket, make_user, app):
    """A reply in an agent's name that our mail server could not authenticate."""
    from dispatch.tickets.services import add_comment

    app.config["MAIL_AUTHSERV_ID"] = AUTHSERV_ID
    add_comment(ticket, make_user("agent", email="victor@example.com"), "On it")
    outcome = ingest(
        mail(
            sender="victor@example.com",
            subject="<b>Re: printer</b>",
            body="Toner <script>alert(1)</script> replaced.",
            headers={
                "In-Reply-To": make_message_id(ticket.id),
                "Authentication-Results": f"{AUTHSERV_ID}; dmarc=fail header.from=example.com",
            },
        )
    )
    assert outcome.status == Inbound.QUARANTINE
    return outcome.mail_id


def status(mail_id):
    db.session.expire_all()
    return db.session.get(MailMessage, mail_id).status


def test_only_dispatchers_and_admins_see_the_quarantine(client, auth, forged):
    pages = ("/mail/quarantine", f"/mail/quarantine/{forged}")
    assert all(client.get(p).status_code == 302 for p in pages)  # to the login page
    for role in ("employee", "agent", "technician"):
        auth.login(role=role)
        assert [client.get(p).status_code for p in pages] == [404, 404]
        assert client.post(f"/mail/quarantine/{forged}/discard").status_code == 404
        auth.logout()
    assert status(forged) == Inbound.QUARANTINE
    for role in ("dispatcher", "admin"):
        auth.login(role=role)
        assert [client.get(p).status_code for p in pages] == [200, 200]
        auth.logout()


def test_the_reason_is_shown_and_everything_escaped(client, auth, forged):
    auth.login(role="dispatcher")
    page = client.get("/mail/quarantine").get_data(as_text=True)
    assert "sender authentication failed (dmarc=fail)" in page
    assert "&lt;b&gt;Re: printer&lt;/b&gt;" in page and "<b>Re: printer" not in page
    detail = client.get(f"/mail/quarantine/{forged}").get_data(as_text=True)
    assert f"{AUTHSERV_ID}; dmarc=fail header.from=example.com" in detail
    assert "from our mail server" in detail and "ignored" not in detail
    assert "&lt;script&gt;alert(1)" in detail and "<script>alert(1)" not in detail


def test_release_posts_the_reply_on_the_dispatchers_word(client, auth, forged, ticket):
    dispatcher = auth.login(role="dispatcher")
    response = client.post(f"/mail/quarantine/{forged}/release", follow_redirects=True)
    assert f"Released: posted on ticket #{ticket.id}." in response.get_data(as_text=True)
    assert status(forged) == Inbound.COMMENT
    row = db.session.get(MailMessage, forged)
    assert row.reviewed_by_id == dispatcher.id and row.reviewed_at is not None
    bodies = [c.body for c in db.session.get(Ticket, ticket.id).comments]
    assert bodies[-1] == "Toner <script>alert(1)</script> replaced."
    # Once released it is no longer in quarantine: a second click finds nothing.
    assert client.post(f"/mail/quarantine/{forged}/release").status_code == 404
    assert admin_record() == [("released", dispatcher.id, "mail_message", forged)]


def test_discard_does_nothing_with_it_and_a_copy_stays_out(client, auth, forged, ticket):
    admin = auth.login(role="admin")
    assert client.post(f"/mail/quarantine/{forged}/discard").status_code == 302
    assert status(forged) == Inbound.DISCARDED
    assert db.session.get(MailMessage, forged).reviewed_by_id == admin.id
    assert [c.body for c in db.session.get(Ticket, ticket.id).comments] == ["On it"]
    assert "Nothing in quarantine." in client.get("/mail/quarantine").get_data(as_text=True)
    assert client.get(f"/mail/quarantine/{forged}").status_code == 404
    assert admin_record() == [("discarded", admin.id, "mail_message", forged)]


def admin_record() -> list[tuple]:
    return [
        (e.action, e.actor_id, e.target_type, e.target_id)
        for e in db.session.scalars(db.select(AdminEvent).order_by(AdminEvent.id))
    ]


def test_actions_need_the_csrf_token(client, auth, forged, app):
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    for action in ("release", "discard"):
        client.post(f"/mail/quarantine/{forged}/{action}")
    assert status(forged) == Inbound.QUARANTINE


def test_unknown_messages_and_actions_are_404(client, auth, ingest, mail):
    auth.login(role="dispatcher")
    ticket = ingest(mail(sender="ana@example.com"))  # became a ticket: not in quarantine
    assert client.post(f"/mail/quarantine/{ticket.mail_id}/release").status_code == 404
    assert client.post("/mail/quarantine/999999/discard").status_code == 404
    assert client.post(f"/mail/quarantine/{ticket.mail_id}/delete").status_code == 404


def test_the_dispatchers_menu_leads_there(client, auth):
    auth.login(role="dispatcher")
    assert "/mail/quarantine" in client.get("/desk/").get_data(as_text=True)


def test_a_forged_result_is_shown_as_ignored(client, auth, ingest, mail, app, make_user):
    app.config["MAIL_AUTHSERV_ID"] = AUTHSERV_ID
    make_user("dispatcher", email="dora@example.com")
    held = ingest(
        mail(
            sender="dora@example.com",
            headers={"Authentication-Results": "mx.evil.example; dmarc=pass"},
        )
    )
    auth.login(role="dispatcher")
    detail = client.get(f"/mail/quarantine/{held.mail_id}").get_data(as_text=True)
    assert "ignored: not from our mail server" in detail and "mx.evil.example" in detail


def test_release_of_a_staff_mail_by_subject_tag_posts_it_there(
    client, auth, ingest, mail, ticket, make_user
):
    make_user("dispatcher", email="dora@example.com", name="Dora")
    held = ingest(mail(sender="dora@example.com", subject=f"[#{ticket.id}] done", body="Done."))
    assert held.status == Inbound.QUARANTINE
    auth.login(role="dispatcher")
    client.post(f"/mail/quarantine/{held.mail_id}/release")
    assert status(held.mail_id) == Inbound.COMMENT
    [comment] = db.session.get(Ticket, ticket.id).comments
    assert (comment.body, comment.author.name) == ("Done.", "Dora")


def test_a_release_that_is_held_again_says_why(client, auth, ingest, mail, app):
    app.config["MAIL_ALLOWED_DOMAINS"] = ["example.com"]
    held = ingest(mail(sender="x@elsewhere.example"))
    assert held.status == Inbound.QUARANTINE
    auth.login(role="dispatcher")
    page = client.post(f"/mail/quarantine/{held.mail_id}/release", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Released, but held again: sender outside the company&#39;s mail domains" in text
