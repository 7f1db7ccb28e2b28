"""The welcome mail of imported people, over a real SMTP server: it arrives in the person's
language with a link that sets their first password; past the hourly cap the rest wait."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from dispatch.extensions import db
from dispatch.mail.models import Outbound
from dispatch.people import csv_import
from dispatch.people.models import User
from tests.mail.test_password_mail import assert_redacted

NEW = "a first long passphrase"


def test_the_welcome_link_sets_the_first_password(app, client, smtp_server, outbox):
    app.config["PEOPLE_IMPORT_MAILS_PER_HOUR"] = 1
    csv_import.import_people(
        "name,email,language\nȘtefan Țurcanu,stefan@firma.ro,ro\nAna Pop,ana@firma.ro,\n",
        actor=None,
    )
    first, second = outbox()
    assert first.status == Outbound.SENT and second.status == Outbound.PENDING  # next hour
    [(_from, rcpts, raw)] = smtp_server.messages
    msg = message_from_bytes(raw, policy=policy.default)
    text = msg.get_content()
    assert rcpts == ["stefan@firma.ro"] and msg["Subject"] == "Contul dumneavoastră în Dispatch"
    assert "Ștefan Țurcanu" in text
    path = re.search(r"http://localhost(/password/reset/\S+)", text).group(1)
    assert_redacted(first, path)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 302
    stefan = db.session.scalar(db.select(User).filter_by(email="stefan@firma.ro"))
    db.session.refresh(stefan)
    assert stefan.check_password(NEW)
    assert client.post(path, data={"password": NEW, "confirm": NEW}).status_code == 400
