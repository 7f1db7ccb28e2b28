"""The /triage pages: keyword rules, accuracy, learned decisions and recent overrides."""

import re

import pytest

from dispatch.extensions import db
from dispatch.triage.models import KeywordRule
from dispatch.triage.services import record_decision


def _rule(phrase="paper jam", kind="onsite", active=True):
    rule = KeywordRule(phrase=phrase, kind=kind, active=active)
    db.session.add(rule)
    db.session.commit()
    return rule


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_other_roles_get_404_everywhere(client, auth, role):
    rule = _rule()
    auth.login(role=role)
    assert client.get("/triage/").status_code == 404
    assert client.get("/triage/try?subject=vpn").status_code == 404
    assert client.get(f"/triage/rules/{rule.id}/edit").status_code == 404
    assert (
        client.post("/triage/rules", data={"phrase": "toner", "kind": "onsite"}).status_code == 404
    )
    assert (
        client.post(
            f"/triage/rules/{rule.id}/edit", data={"phrase": "x y", "kind": "remote"}
        ).status_code
        == 404
    )
    assert client.post(f"/triage/rules/{rule.id}/deactivate").status_code == 404
    db.session.refresh(rule)
    assert (rule.phrase, rule.active) == ("paper jam", True)
    assert db.session.scalar(db.select(db.func.count(KeywordRule.id))) == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get("/triage/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["dispatcher", "admin"])
def test_page_shows_rules_accuracy_and_learning(client, auth, role):
    _rule("paper jam", "onsite")
    auth.login(role=role)
    page = client.get("/triage/").get_data(as_text=True)
    assert "paper jam" in page and "On-site" in page
    assert 'id="accuracy">95%' in page  # evaluate(seed=0), see docs/triage.md
    assert 'id="accuracy-en">EN: 91% of 68 (commonest kind: 56%)<' in page
    assert 'id="accuracy-ro">RO: 98% of 101 (commonest kind: 54%)<' in page
    assert 'id="learned">0<' in page
    assert 'href="/triage/"' in page  # the navigation links here


def test_create_rule(client, auth):
    auth.login(role="dispatcher")
    response = client.post("/triage/rules", data={"phrase": " Toner  empty ", "kind": "onsite"})
    assert response.status_code == 302
    rule = db.session.scalar(db.select(KeywordRule))
    assert (rule.phrase, rule.kind, rule.active) == ("Toner empty", "onsite", True)
    assert "Rule &#34;Toner empty&#34; added." in client.get("/triage/").get_data(as_text=True)


def test_invalid_rules_are_shown_again_with_errors(client, auth):
    _rule("paper jam")
    auth.login(role="dispatcher")
    response = client.post("/triage/rules", data={"phrase": "PAPER JAM", "kind": "remote"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "exists already" in page and 'value="PAPER JAM"' in page
    response = client.post("/triage/rules", data={"phrase": "printer", "kind": "teleport"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(KeywordRule.id))) == 1


def test_edit_rule(client, auth):
    rule = _rule("paper jam", "onsite")
    auth.login(role="admin")
    page = client.get(f"/triage/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'value="paper jam"' in page
    response = client.post(
        f"/triage/rules/{rule.id}/edit",
        data={"phrase": "paper jammed", "kind": "remote", "active": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(rule)
    assert (rule.phrase, rule.kind, rule.active) == ("paper jammed", "remote", True)


def test_edit_refuses_a_clash(client, auth):
    _rule("toner")
    rule = _rule("paper jam")
    auth.login(role="dispatcher")
    response = client.post(
        f"/triage/rules/{rule.id}/edit", data={"phrase": "Toner", "kind": "onsite"}
    )
    assert response.status_code == 400 and "exists already" in response.get_data(as_text=True)
    db.session.refresh(rule)
    assert rule.phrase == "paper jam"


def test_unknown_rule_is_404(client, auth):
    auth.login(role="dispatcher")
    assert client.get("/triage/rules/999/edit").status_code == 404
    assert client.post("/triage/rules/999/deactivate").status_code == 404


def test_deactivate_and_activate(client, auth):
    rule = _rule()
    auth.login(role="dispatcher")
    assert client.post(f"/triage/rules/{rule.id}/deactivate").status_code == 302
    db.session.refresh(rule)
    assert rule.active is False
    assert "Inactive" in client.get("/triage/").get_data(as_text=True)
    client.post(f"/triage/rules/{rule.id}/activate")
    db.session.refresh(rule)
    assert rule.active is True


def test_forms_refuse_a_missing_csrf_token(app, client, auth):
    rule = _rule()
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    assert (
        client.post("/triage/rules", data={"phrase": "toner", "kind": "onsite"}).status_code == 400
    )
    assert client.post(f"/triage/rules/{rule.id}/deactivate").status_code == 400
    assert (
        client.post(
            f"/triage/rules/{rule.id}/edit", data={"phrase": "x y", "kind": "remote"}
        ).status_code
        == 400
    )
    db.session.refresh(rule)
    assert rule.active is True and rule.phrase == "paper jam"
    assert db.session.scalar(db.select(db.func.count(KeywordRule.id))) == 1
    page = client.get("/triage/").get_data(as_text=True)
    assert 'name="csrf_token"' in page


def test_user_text_is_escaped(client, auth, make_ticket, make_user):
    _rule("<script>alert(1)</script>", "remote")
    dispatcher = make_user("dispatcher", name="<b>Eve</b>")
    ticket = make_ticket(subject="<img src=x onerror=alert(2)>", description="Printer jammed")
    ticket.suggested_kind = "remote"
    record_decision(ticket, dispatcher, "onsite")
    db.session.commit()
    auth.login(role="dispatcher")
    page = client.get("/triage/").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>Eve</b>" not in page and "&lt;b&gt;Eve&lt;/b&gt;" in page


def test_recent_overrides_and_learned_count(client, auth, make_ticket, make_user):
    dispatcher = make_user("dispatcher", name="Dana Dispatcher")
    ticket = make_ticket(
        subject="Projector in meeting room shows no signal",
        description="Room Everest, board meeting at 14:00.",
    )
    assert ticket.suggested_kind == "onsite"
    record_decision(ticket, dispatcher, "remote")
    kept = make_ticket(subject="VPN keeps dropping", description="At home, since the update.")
    record_decision(kept, dispatcher, kept.suggested_kind)
    db.session.commit()
    auth.login(role="admin")
    page = client.get("/triage/").get_data(as_text=True)
    assert f"#{ticket.id}" in page and "Dana Dispatcher" in page
    assert "Projector in meeting room" in page and "VPN keeps dropping" not in page
    assert 'id="learned">2<' in page and "kept 50%" in page


def test_an_override_links_to_its_ticket_page(client, auth, make_ticket, make_user):
    dispatcher = make_user("dispatcher")
    ticket = make_ticket(subject="Projector in meeting room shows no signal")
    record_decision(ticket, dispatcher, "remote")
    db.session.commit()
    auth.login(role="dispatcher")
    page = client.get("/triage/").get_data(as_text=True)
    link = re.search(rf'<a href="([^"]+)">#{ticket.id}</a>', page)
    assert link is not None and link.group(1) == f"/tickets/{ticket.id}"
    opened = client.get(link.group(1))
    assert opened.status_code == 200 and "Projector in meeting room" in opened.get_data(
        as_text=True
    )


def test_try_page_shows_the_suggestion(client, auth):
    _rule("badge", "remote")
    auth.login(role="dispatcher")
    page = client.get(
        "/triage/try?subject=Projector+no+signal&description=Meeting+room+Everest"
    ).get_data(as_text=True)
    assert 'id="suggestion"' in page and "On-site" in page and "Learned from" in page
    page = client.get("/triage/try?subject=My+badge+<i>fails</i>").get_data(as_text=True)
    assert "a keyword rule says Remote" in page and "<i>fails" not in page
    assert 'id="suggestion"' not in client.get("/triage/try").get_data(as_text=True)
