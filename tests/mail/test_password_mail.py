"""Password links over a real SMTP server (aiosmtpd on loopback): the mail arrives, carries our
headers, and its link works when followed."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from dispatch.extensions import db
from dispatch.mail.message_ids import check_message_id
from dispatch.mail.models import Outbound, OutboxMessage

NEW = "a fresh long passphrase"


def assert_redacted(row, path: str) -> None:
    """Once sent, the outbox's copy of the message no longer holds the link's token."""
    token = path.rsplit("/", 1)[1]
    assert row.status == Outbound.SENT and token not in row.body
    assert "/password/reset/[hidden]" in row.body
    stored = db.select(OutboxMessage.id).where(OutboxMessage.body.contains(token))
    assert db.session.scalar(stored) is None


def body_of(raw: bytes) -> tuple[object, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    return msg, msg.get_content()


def test_reset_link_arrives_by_smtp_and_works(
    app, client, smtp_server, make_user, outbox, password
):
    app.config["PASSWORD_RESET_MIN_SECONDS"] = 0
    user = make_user(email="ana@example.com", name="Ana Pop")
    assert client.post("/password/forgot", data={"email": "ana@example.com"}).status_code == 200
    assert client.post("/password/forgot", data={"email": "ghost@example.com"}).status_code == 200
    [row] = outbox()
    assert row.status == Outbound.SENT
    [(mail_from, rcpts, raw)] = smtp_server.messages  # nothing for the unknown address
    msg, text = body_of(raw)
    assert rcpts == ["ana@example.com"] and mail_from == "help@example.com"
    assert msg["Subject"] == "Your password link for Dispatch"
    assert msg["Auto-Submitted"] == "auto-generated" and msg["X-Dispatch-Loop"]
    assert check_message_id(msg["Message-ID"]).valid
    assert "Hello Ana Pop" in text
    path = re.search(r"http://localhost(/password/reset/\S+)", text).group(1)
    assert_redacted(row, path)
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.get("/tickets/mine").status_code == 200
    db.session.expire_all()
    assert user.check_password(NEW) and not user.check_password(password)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 400


def test_set_password_link_in_the_acknowledgement_over_smtp(
    app, client, smtp_server, mail, ingest, outbox
):
    ingest(mail(sender="Radu Ionescu <radu@example.com>", subject="No heating in room 12"))
    [row] = outbox()
    [(_from, rcpts, raw)] = smtp_server.messages
    _msg, text = body_of(raw)
    assert rcpts == ["radu@example.com"]
    assert "To follow your requests online, set a password" in text
    path = re.search(r"http://localhost(/password/reset/\S+)", text).group(1)
    assert_redacted(row, path)
    assert "Set your password" in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    body = client.get("/tickets/mine").get_data(as_text=True)
    assert "No heating in room 12" in body


def test_admin_edited_password_template_is_used(app, client, smtp_server, make_user, outbox):
    from dispatch.mail.admin import save_template

    app.config["PASSWORD_RESET_MIN_SECONDS"] = 0
    admin, user = make_user("admin"), make_user()
    save_template(
        "password",
        "en",
        "Reset for {{ requester }}",
        "Go to {{ reset_link }} within {{ valid_for }}.",
        admin,
    )
    client.post("/password/forgot", data={"email": user.email})
    outbox()
    msg, text = body_of(smtp_server.messages[0][2])
    assert msg["Subject"] == f"Reset for {user.name}"
    assert text.startswith("Go to http://localhost/password/reset/") and "1 hour" in text
