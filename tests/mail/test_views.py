"""/mail: admins only (404 for everyone else), escaped, CSRF-protected; the reopen link."""

from __future__ import annotations

import re

from dispatch.extensions import db
from dispatch.mail.models import MailMessage, MailTemplate
from dispatch.tickets.models import Status, Ticket
from dispatch.tickets.services import change_status


def test_only_admins_see_the_mail_pages(client, auth, ingest, mail):
    assert client.get("/mail/").status_code == 302  # to the login page
    for role in ("employee", "agent", "dispatcher"):
        auth.login(role=role)
        assert client.get("/mail/").status_code == 404
        assert client.get("/mail/templates/ack").status_code == 404
        auth.logout()
    auth.login(role="admin")
    assert client.get("/mail/").status_code == 200


def test_quarantine_and_outbox_are_listed_escaped(client, auth, ingest, mail, outbox, make_ticket):
    held = ingest(
        mail(
            sender="x@example.com",
            subject="<script>alert(1)</script>",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    make_ticket(subject="<img src=x onerror=alert(2)>")
    outbox()
    auth.login(role="admin")
    page = client.get("/mail/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;img src=x" in page and "<img src=x" not in page
    detail = client.get(f"/mail/messages/{held.mail_id}").get_data(as_text=True)
    assert "automatic message" in detail and "<script>alert(1)" not in detail


def test_admin_processes_a_message_again(client, auth, ingest, mail, app):
    app.config["MAIL_ALLOWED_DOMAINS"] = ["example.com"]
    held = ingest(mail(sender="ext@partner.example"))
    app.config["MAIL_ALLOWED_DOMAINS"] = []
    auth.login(role="admin")
    response = client.post(f"/mail/messages/{held.mail_id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MailMessage, held.mail_id).status == "ticket"


def test_retry_refuses_a_missing_csrf_token(client, auth, ingest, mail, app):
    held = ingest(mail(sender="x@example.com", headers={"Auto-Submitted": "auto-replied"}))
    auth.login(role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    client.post(f"/mail/messages/{held.mail_id}/accept")
    db.session.expire_all()
    assert db.session.get(MailMessage, held.mail_id).attempts == 1


def test_admin_edits_a_template_and_broken_ones_are_refused(client, auth):
    auth.login(role="admin")
    page = client.get("/mail/templates/ack").get_data(as_text=True)
    assert "{{ number }}" in page
    bad = client.post(
        "/mail/templates/ack", data={"subject": "x", "body": "{{ ''.__class__.__mro__ }}"}
    )
    assert bad.status_code == 200 and "does not work" in bad.get_data(as_text=True)
    bad = client.post("/mail/templates/ack", data={"subject": "x", "body": "{% if %}"})
    assert "does not work" in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(MailTemplate)) is None
    ok = client.post(
        "/mail/templates/ack", data={"subject": "Got {{ number }}", "body": "Hi {{ requester }}"}
    )
    assert ok.status_code == 302
    assert db.session.scalar(db.select(MailTemplate.subject)) == "Got {{ number }}"
    client.post("/mail/templates/ack", data={"subject": "x", "body": "y", "reset": "1"})
    db.session.expire_all()
    assert db.session.scalar(db.select(MailTemplate)) is None
    assert client.get("/mail/templates/nope").status_code == 404


def test_one_click_reopen_from_the_resolved_message(client, make_ticket, make_user, outbox):
    agent = make_user("agent")
    ticket = make_ticket()
    ticket.kind, ticket.assignee_id = "remote", agent.id  # the agent works on it
    db.session.commit()
    change_status(ticket, agent, Status.RESOLVED)
    body = [r for r in outbox() if r.kind == "resolved"][0].body
    link = re.search(r"http://localhost(/mail/reopen/\S+)", body).group(1)
    assert client.get(link).status_code == 200  # a GET (a mail scanner) changes nothing
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.RESOLVED
    assert "Reopened" in client.post(link).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.ASSIGNED  # back to its agent
    # the same link cannot reopen a later resolution
    change_status(db.session.get(Ticket, ticket.id), agent, Status.RESOLVED)
    assert "not waiting" in client.post(link).get_data(as_text=True)
    assert client.get("/mail/reopen/forged-token").status_code == 404
