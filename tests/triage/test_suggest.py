"""suggest(): category default, then keyword rules, then the classifier; record_decision()."""

import pytest
from flask_babel import force_locale
from markupsafe import escape

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.tickets.models import TicketEvent
from dispatch.triage import services
from dispatch.triage.models import KeywordRule, TriageDecision
from dispatch.triage.services import reason_text, record_decision, suggest

PROJECTOR = (
    "Projector in meeting room shows no signal",
    "The projector in room Everest says no signal with every laptop.",
)


def _rule(phrase, kind, active=True):
    db.session.add(KeywordRule(phrase=phrase, kind=kind, active=active))
    db.session.commit()


def test_category_default_comes_first(app, make_category):
    _rule("projector", "remote")
    category = make_category(name="Meeting rooms", default_kind="onsite")
    tip = suggest(*PROJECTOR, category)
    assert (tip.kind, tip.source, tip.confidence) == ("onsite", "category", 0.9)
    assert "Meeting rooms" in tip.reason and "On-site" in tip.reason


def test_keyword_rule_beats_classifier(app, make_category):
    _rule("PROJECTOR", "remote")
    tip = suggest(*PROJECTOR, make_category(default_kind=None))
    assert (tip.kind, tip.source) == ("remote", "keyword")
    assert '"Projector"' in tip.reason  # the words as the request wrote them


def test_rules_match_whole_words_and_ignore_inactive_ones(app):
    _rule("lan", "onsite")
    _rule("vpn", "onsite", active=False)
    assert suggest("Planning tool error", "The planning report fails", None).source != "keyword"
    assert suggest("VPN drops", "vpn disconnects at home", None).source != "keyword"
    assert suggest("No LAN at desk", "", None).source == "keyword"


def test_longest_matching_phrase_wins(app):
    _rule("printer", "onsite")
    _rule("printer driver", "remote")
    tip = suggest("Printer driver missing", "Please add the printer driver", None)
    assert (tip.kind, tip.source) == ("remote", "keyword")


def test_classifier_suggests_with_reason(app):
    tip = suggest(*PROJECTOR, None)
    assert (tip.kind, tip.source) == ("onsite", "classifier")
    assert tip.confidence > 0.6
    assert tip.reason.startswith('Learned from 675 sample requests: words like "')
    assert "On-site" in tip.reason and "%)" in tip.reason and len(tip.reason) <= 300


def test_low_confidence_is_unsure_with_best_guess(app):
    app.config["TRIAGE_CONFIDENCE_THRESHOLD"] = 0.999
    tip = suggest(*PROJECTOR, None)
    assert tip.kind is None and tip.source == "unsure"
    assert 0.5 <= tip.confidence < 0.999
    assert tip.reason.startswith("Unsure") and "On-site" in tip.reason


def test_empty_text_gives_no_suggestion(app):
    assert suggest("  ", "", None).source == "none"


def test_new_ticket_gets_the_suggestion(app, make_ticket):
    ticket = make_ticket(subject=PROJECTOR[0], description=PROJECTOR[1])
    assert ticket.suggested_kind == "onsite" and ticket.suggestion_confidence > 0.6
    assert ticket.suggestion_reason.startswith("Learned from")
    event = db.session.scalar(
        db.select(TicketEvent).filter_by(ticket_id=ticket.id, type="suggested")
    )
    assert event.data["source"] == "classifier"


def test_reason_counts_past_decisions(app, make_ticket, make_user):
    dispatcher = make_user("dispatcher")
    for subject in ("Printer jammed on floor 2", "Monitor dead at desk 14"):
        record_decision(
            make_ticket(subject=subject, description="Please come."), dispatcher, "onsite"
        )
    db.session.commit()
    assert suggest(*PROJECTOR, None).reason.startswith("Learned from 2 past decisions: ")


def test_record_decision_marks_overrides(app, make_ticket, make_user):
    dispatcher = make_user("dispatcher")
    ticket = make_ticket(subject=PROJECTOR[0], description=PROJECTOR[1])
    kept = record_decision(ticket, dispatcher, "onsite")
    changed = record_decision(ticket, dispatcher, "remote")
    db.session.commit()
    assert (kept.overridden, changed.overridden) == (False, True)
    assert changed.suggested_kind == "onsite" and changed.suggestion_source == "classifier"
    assert changed.actor_id == dispatcher.id and PROJECTOR[0] in changed.text
    assert db.session.scalar(db.select(db.func.count(TriageDecision.id))) == 2


def test_decision_on_unsure_ticket_is_not_an_override(app, make_ticket, make_user):
    app.config["TRIAGE_CONFIDENCE_THRESHOLD"] = 0.999
    ticket = make_ticket(subject=PROJECTOR[0], description=PROJECTOR[1])
    assert ticket.suggested_kind is None
    decision = record_decision(ticket, make_user("dispatcher"), "remote")
    assert decision.overridden is False and decision.suggestion_source == "unsure"


def test_record_decision_leaves_the_commit_to_the_caller(app, make_ticket, make_user):
    ticket = make_ticket()
    record_decision(ticket, make_user("dispatcher"), "onsite")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(TriageDecision.id))) == 0


def test_record_decision_refuses_unknown_kinds(app, make_ticket, make_user):
    with pytest.raises(ValidationError):
        record_decision(make_ticket(), make_user("dispatcher"), "teleport")


def test_rule_services_validate(app):
    rule = services.create_rule("  paper   jam ", "onsite")
    assert rule.phrase == "paper jam"
    with pytest.raises(ValidationError) as err:
        services.create_rule("PAPER JAM", "remote")
    assert err.value.field == "phrase"
    with pytest.raises(ValidationError):
        services.create_rule("x", "onsite")
    with pytest.raises(ValidationError) as err:
        services.create_rule("toner", "maybe")
    assert err.value.field == "kind"
    services.create_rule("hârtie blocată", "onsite")
    with pytest.raises(ValidationError) as err:
        services.create_rule("HARTIE  blocata", "remote")  # the same rule without accents
    assert err.value.field == "phrase" and "hârtie blocată" in err.value.message
    services.update_rule(rule, "Paper Jam", "remote", False)  # its own phrase is no clash
    assert (rule.phrase, rule.kind, rule.active) == ("Paper Jam", "remote", False)


def test_intake_survives_a_broken_classifier(app, monkeypatch, make_ticket):
    from dispatch.triage import classifier

    def broken():
        raise OSError("sample missing")

    monkeypatch.setattr(classifier, "current_model", broken)
    ticket = make_ticket(subject="Printer jammed", description="Paper stuck in tray 2.")
    assert ticket.suggested_kind is None and "dispatcher decides" in ticket.suggestion_reason


def test_romanian_rule_matches_any_spelling_and_quotes_the_request(app):
    _rule("hârtie blocată", "onsite")
    for written in ("hârtie blocată", "hartie blocata", "HÂRTIE BLOCATĂ"):
        tip = suggest("Imprimanta et. 2", f"Avem {written} in tava 2", None)
        assert (tip.kind, tip.source) == ("onsite", "keyword")
        assert f'"{written}"' in tip.reason


def test_romanian_hardware_request_is_on_site_with_its_own_words(app):
    tip = suggest(
        "Nu merge priza de rețea",
        "Priza de rețea din sala 204 (et. 2, sediul din Cluj) nu mai funcționează.",
        None,
    )
    assert (tip.kind, tip.source) == ("onsite", "classifier")
    quoted = tip.reason.split(": words like ", 1)[1].split(" point to ")[0]
    text = "Nu merge priza de rețea Priza de rețea din sala 204 (et. 2, sediul din Cluj)"
    assert all(w.strip('"') in text for w in quoted.split(", "))


@pytest.mark.parametrize("reader", ["en", "ro"])
def test_reason_in_the_readers_language(client, auth, make_user, make_ticket, reader):
    # A Romanian employee files it; each dispatcher reads the reason in their own language,
    # in the inbox, on the ticket, and the API in English.
    with force_locale("ro"):
        ticket = make_ticket(requester=make_user(locale="ro"), subject="Proiectorul nu pornește")
        written = ticket.suggestion_reason
    with force_locale(reader):
        expected = reason_text(ticket.suggestion_basis["source"], ticket.suggestion_basis)
    assert (expected == written) == (reader == "ro")
    auth.login(make_user(role="dispatcher", locale=reader))
    escaped = str(escape(expected))
    assert escaped in client.get("/desk/inbox").get_data(as_text=True)
    assert escaped in client.get(f"/desk/tickets/{ticket.id}").get_data(as_text=True)
