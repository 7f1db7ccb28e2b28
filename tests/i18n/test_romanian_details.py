"""Details a Romanian reader meets that the catalogue test cannot see: texts made outside the
catalogue (the web server's error descriptions, raw event data, mail states), and numbers and
quotes written by hand instead of in the reader's language."""

from __future__ import annotations

import re

from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.mail.texts import outbox_note, state_label
from dispatch.triage.services import reason_text

WERKZEUG_404 = "The requested URL was not found on the server"


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_error_pages_speak_the_readers_language(romanian_app, client, auth, make_user):
    ro = {"Accept-Language": "ro"}
    page = _text(client.get("/no-such-page", headers=ro))
    assert WERKZEUG_404 not in page
    assert "Pagina nu există sau nu aveți acces la ea" in page
    english = _text(client.get("/no-such-page", headers={"Accept-Language": "en"}))
    assert WERKZEUG_404 not in english and "There is no such page" in english

    auth.login(make_user("employee", locale="ro"))
    # A staff page is a 404 to an employee: the same Romanian page.
    response = client.get("/desk/inbox")
    assert response.status_code == 404 and "Pagina nu există" in _text(response)
    response = client.post("/tickets/mine")  # a page that only reads
    assert response.status_code == 405
    assert "Această adresă nu acceptă acest tip de cerere" in _text(response)
    assert "The method is not allowed" not in _text(response)


def test_an_expired_form_says_so_in_romanian(romanian_app, client, auth, make_user):
    auth.login(make_user("employee", locale="ro"))
    # The tests share one app context, and the CSRF check runs before the hook that forgets the
    # previous request's language: read a page first, as a person does before posting a form.
    client.get("/tickets/mine")
    romanian_app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/logout")  # no CSRF token
    finally:
        romanian_app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    page = _text(response)
    assert "Pagina a expirat" in page and "CSRF" not in page


def test_the_staff_panels_latest_changes_are_sentences(
    romanian_app, client, auth, make_user, make_ticket
):
    ticket = make_ticket(
        requester=make_user(locale="ro"),
        subject="Nu merge priza de rețea din sala de ședințe",
        description="Laptopul nu prinde rețea pe cablu; ledul prizei din perete nu se aprinde.",
    )
    auth.login(make_user("dispatcher", locale="ro"))
    page = _text(client.get(f"/desk/tickets/{ticket.id}"))
    recent = page.split('class="list-unstyled history small mb-0"', 1)[1].split("</ol>", 1)[0]
    # The record's raw keys and values ("channel: web", "confidence: 0.99…") are gone…
    for raw in ("channel:", "subject:", "kind:", "confidence:", "source:", "Created"):
        assert raw not in recent, raw
    # …for the history's own sentences, in Romanian, with a Romanian label on the reason.
    assert "a trimis solicitarea" in recent and "a sugerat tipul" in recent
    assert "reason:" not in recent and "Motiv:" in recent


def test_a_suggestion_is_written_with_the_readers_quotes_and_percent(app, romanian_app):
    basis = {"kind": "onsite", "pct": 86, "words": ["priza", "rețea"], "decisions": 0}
    basis["samples"] = 675
    with force_locale("ro"):
        ro = reason_text("classifier", basis)
        unsure = reason_text("unsure", {"kind": "remote", "pct": 54})
    with force_locale("en"):
        en = reason_text("classifier", basis)
    assert "„priza”, „rețea”" in ro and '"' not in ro
    # Romanian puts a (no-break) space before the percent sign: Babel's, not a hand-made "%".
    assert re.search(r"\(86\s%\)", ro) and "86%" not in ro
    assert re.search(r"54\s%", unsure)
    assert '"priza", "rețea"' in en and "(86%)" in en


def test_the_mail_pages_name_states_in_romanian(romanian_app, client, auth, make_user, make_ticket):
    make_ticket(requester=make_user(locale="ro"))  # queues an acknowledgement: pending
    auth.login(make_user("admin", locale="ro"))
    page = _text(client.get("/mail/"))
    assert "în așteptare" in page and ">pending<" not in page.replace(" ", "")
    with force_locale("ro"):
        assert state_label("suppressed") == "oprit"
        assert state_label("something new") == "something new"  # an unknown key is shown as is
        assert outbox_note("rate limit: too many automatic answers to this address") == (
            "prea multe răspunsuri automate către această adresă în ultima oră"
        )
        assert outbox_note("SMTPDataError: 554 refused") == "SMTPDataError: 554 refused"
    db.session.rollback()


def test_the_record_of_administration_exports_romanian_headers(
    romanian_app, client, auth, make_user
):
    auth.login(make_user("admin", locale="ro"))
    header = _text(client.get("/admin/events.csv")).lstrip("\ufeff").splitlines()[0]
    assert header.startswith("Când (UTC),Cine,Acțiune,Tip,Id,Nume,Înainte,După,Ce s-a întâmplat")


def test_a_limit_without_its_own_words_is_said_in_romanian(app, romanian_app):
    from types import SimpleNamespace

    from flask_limiter.errors import RateLimitExceeded

    from dispatch.errors import page_message

    bare = RateLimitExceeded(SimpleNamespace(error_message=None, limit="10 per 1 minute"))
    worded = RateLimitExceeded(SimpleNamespace(error_message="Prea multe linkuri.", limit="3"))
    with app.test_request_context("/desk/export.csv"), force_locale("ro"):
        assert page_message(bare) == (
            "Prea multe încercări. Vă rugăm să așteptați puțin și să încercați din nou."
        )
        assert page_message(worded) == "Prea multe linkuri."  # the app's own message is kept


def test_the_reasons_the_app_records_are_said_in_the_readers_language(romanian_app):
    from dispatch.tickets.sentences import SYSTEM_REASONS, details

    with romanian_app.test_request_context(), force_locale("ro"):
        said = details({"reason": "visit booked", "plan": None}, {"plan"})
        assert [(label, [p.text for p in parts]) for label, parts in said] == [
            ("Motiv", ["vizită rezervată"])
        ]
        for words in SYSTEM_REASONS:  # each has its Romanian
            assert details({"reason": words}, set())[0][1][0].text != words
        # A person's own reason is theirs, as written.
        assert details({"reason": "ups moved"}, set())[0][1][0].text == "ups moved"
