"""Mail in each recipient's language: the built-in texts translated, the admins' templates per
language with a logged fallback to the company's language, then to the built-in text."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.mail import admin as mail_admin
from dispatch.mail.models import MailTemplate, OutboxMessage
from dispatch.mail.texts import default_text
from tests.i18n.catalogues import TEST_CATALOGUES, catalogues_of


@pytest.fixture
def romanian(app, tmp_path):
    with catalogues_of(app, TEST_CATALOGUES, tmp_path / "mo"):
        yield


def template(key, language, subject, body="Body {{ number }}"):
    db.session.add(MailTemplate(key=key, language=language, subject=subject, body=body))
    db.session.commit()


def test_built_in_text_in_the_recipients_language(romanian, make_user, make_ticket, outbox):
    ro, en = make_user(locale="ro"), make_user(locale="en")
    make_ticket(requester=ro, subject="Imprimanta")
    make_ticket(requester=en, subject="Printer")
    by_subject = {r.subject.split(": ", 1)[1]: r for r in outbox()}
    assert by_subject["Imprimanta"].subject.startswith("[#") and "Am primit" in (
        by_subject["Imprimanta"].subject
    )
    assert "Received" in by_subject["Printer"].subject


def test_no_choice_means_the_company_language(app, romanian, make_user, make_ticket, outbox):
    app.config["DEFAULT_LOCALE"] = "ro"
    make_ticket(requester=make_user(locale=None))
    [row] = outbox()
    assert "Am primit" in row.subject


def test_each_language_has_its_template(romanian, make_user, make_ticket, outbox):
    template("ack", "ro", "Primit {{ number }}")
    template("ack", "en", "Got {{ number }}")
    ro_ticket = make_ticket(requester=make_user(locale="ro"))
    en_ticket = make_ticket(requester=make_user(locale="en"))
    subjects = {r.ticket_id: r.subject for r in outbox()}
    assert subjects == {
        ro_ticket.id: f"Primit {ro_ticket.number}",
        en_ticket.id: f"Got {en_ticket.number}",
    }


def test_missing_language_falls_back_to_the_company_ones_and_says_so(
    app, make_user, make_ticket, outbox, caplog
):
    app.config["DEFAULT_LOCALE"] = "ro"
    template("ack", "ro", "Primit {{ number }}")
    ticket = make_ticket(requester=make_user(locale="en"))
    with caplog.at_level(logging.INFO, logger="dispatch.mail"):
        [row] = outbox()
    assert row.subject == f"Primit {ticket.number}"
    assert any("has no en version" in r.getMessage() for r in caplog.records)


def test_without_any_template_the_built_in_text(app, make_user, make_ticket, outbox):
    app.config["DEFAULT_LOCALE"] = "ro"
    template("ack", "en", "Got {{ number }}")  # in neither the recipient's nor the company's
    ticket = make_ticket(requester=make_user(locale="ro"), subject="Problem 423")
    [row] = outbox()
    # The built-in text in the recipient's language (translated when the catalogue is compiled).
    with force_locale("ro"):
        built_in_subject, _ = default_text("ack")
    assert row.subject == built_in_subject.replace("{{ number }}", ticket.number).replace(
        "{{ subject }}", "Problem 423"
    )
    assert "Got" not in row.subject and row.body.strip()


def test_a_broken_template_still_sends_the_built_in_text(make_user, make_ticket, outbox):
    template("ack", "ro", "{{ ''.__class__.__mro__ }}")
    make_ticket(requester=make_user(locale="ro"))
    [row] = outbox()
    assert row.subject.startswith("[#") and row.body.strip()


def test_visit_date_written_the_romanian_way(make_user, make_ticket, make_site, outbox):
    ticket = make_ticket(requester=make_user(locale="ro"), site_id=make_site().id)
    start = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    db.session.add(
        OutboxMessage(
            kind="scheduled",
            ticket_id=ticket.id,
            recipient=ticket.requester.email,
            context={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
        )
    )
    db.session.commit()
    row = outbox()[-1]
    # Bucharest is UTC+2 in March: a 24-hour clock, the day and month in Romanian.
    assert "marți, 3 martie 2026" in row.subject and "09:30" in row.body


def test_admin_edits_each_language(client, auth):
    admin = auth.login(role="admin")
    page = client.get("/mail/templates/ack?language=ro").get_data(as_text=True)
    assert "Română" in page and 'action="/mail/templates/ack?language=ro"' in page
    data = {"subject": "Primit {{ number }}", "body": "Bună {{ requester }}"}
    response = client.post("/mail/templates/ack?language=ro", data=data)
    assert response.status_code == 302 and response.location.endswith("language=ro")
    row = db.session.scalar(db.select(MailTemplate))
    assert (row.key, row.language, row.updated_by_id) == ("ack", "ro", admin.id)
    assert mail_admin.template_text("ack", "en")[2] is False  # English is still the built-in
    client.post("/mail/templates/ack?language=ro", data={**data, "reset": "1"})
    assert db.session.scalar(db.select(MailTemplate)) is None


def test_a_language_not_offered_is_404(client, auth):
    auth.login(role="admin")
    assert client.get("/mail/templates/ack?language=xx").status_code == 404
    data = {"subject": "x", "body": "y"}
    assert client.post("/mail/templates/ack?language=xx", data=data).status_code == 404
    assert db.session.scalar(db.select(MailTemplate)) is None


def test_calendar_feed_in_the_technicians_language(app, romanian, make_user):
    from dispatch.my_day import calendar

    # The feed is fetched by a calendar app, with no session: the technician's own language.
    ro = calendar.calendar(make_user("technician", locale="ro"), "example.com").decode()
    en = calendar.calendar(make_user("technician", locale="en"), "example.com").decode()
    assert "Vizite Dispatch" in ro and "Vizite Dispatch" not in en


def test_the_reply_marker_is_in_the_recipients_language_and_still_cuts(
    app, tmp_path, make_user, make_ticket, outbox
):
    from dispatch.mail.parse import trim_reply
    from tests.i18n.catalogues import REAL_CATALOGUES

    with catalogues_of(app, REAL_CATALOGUES, tmp_path / "mo"):
        ro = make_ticket(requester=make_user(locale="ro"))
        en = make_ticket(requester=make_user(locale="en"))
        bodies = {r.ticket_id: r.body for r in outbox()}
    marker = "##- Scrieți răspunsul deasupra acestui rând -##"
    assert bodies[ro.id].startswith(marker) and "Please type" not in bodies[ro.id]
    assert bodies[en.id].startswith("##- Please type your reply above this line -##")
    # A reply above the Romanian message (as Outlook writes it, unquoted) keeps only the reply.
    reply = "Mulțumesc, merge acum.\n\n" + bodies[ro.id]
    assert trim_reply(reply) == "Mulțumesc, merge acum."
