"""The classifier: the shipped sample, its held-out accuracy, and learning from decisions."""

import json
import time

import pytest

from dispatch.extensions import db
from dispatch.triage import classifier
from dispatch.triage.services import record_decision
from dispatch.triage.text import fold, words_as_written
from tests.sql_count import statements

FLOOR = 0.90  # per language; seed 0 measures 0.91 (English) and 0.98 (Romanian), see docs
LANGS = {"en": 240, "ro": 300}  # language -> fewest sample requests


def _rows():
    return [
        json.loads(line)
        for path in classifier.sample_files()
        for line in path.read_text("utf-8").splitlines()
    ]


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_sample_is_large_varied_and_balanced(lang):
    rows = [r for r in _rows() if r["lang"] == lang]
    assert len(rows) >= LANGS[lang]
    assert {r["kind"] for r in rows} == {"remote", "onsite"}
    share = sum(r["kind"] == "remote" for r in rows) / len(rows)
    assert 0.5 <= share <= 0.6  # realistic: a little more remote work than field work
    assert len({r["subject"].lower() for r in rows}) == len(rows)
    assert all(r["subject"].strip() and r["description"].strip() for r in rows)


def test_every_sample_is_loaded_with_its_language():
    rows = _rows()
    assert {r["lang"] for r in rows} == set(LANGS)
    assert len({r["id"] for r in rows}) == len(rows)  # ids unique across the files
    loaded = classifier.load_sample()
    assert len(loaded) == len(rows)
    assert [r.lang for r in loaded] == [r["lang"] for r in rows]


def test_romanian_sample_is_written_as_people_type():
    """Comma-below letters, the legacy cedilla ones of older keyboards and phones, and none at
    all: all three must be in the sample, or the classifier never learns they are the same."""
    texts = [r["subject"] + " " + r["description"] for r in _rows() if r["lang"] == "ro"]
    comma = sum(any(c in t for c in "șțȘȚ") for t in texts)
    cedilla = sum(any(c in t for c in "şţŞŢ") for t in texts)
    bare = sum(t.isascii() for t in texts)
    assert comma >= 100 and cedilla >= 10 and bare >= 60


def test_sample_is_shipped_with_the_package():
    # setup.cfg [options.package_data] must list it, or an installed wheel cannot triage.
    import configparser
    from pathlib import Path

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).parents[2] / "setup.cfg")
    assert "data/*.jsonl" in cfg["options.package_data"]["dispatch.triage"]


def test_held_out_accuracy(accuracy_report):
    result = classifier.evaluate(seed=0)
    onsite, remote = result.per_class["onsite"], result.per_class["remote"]
    accuracy_report(
        accuracy=result.accuracy,
        n_test=result.n_test,
        n_train=result.n_train,
        baseline=result.majority_baseline,
        op=onsite["precision"],
        orc=onsite["recall"],
        rp=remote["precision"],
        rr=remote["recall"],
        languages={
            lang: (score.accuracy, score.n_test, score.majority_baseline)
            for lang, score in result.per_language.items()
        },
    )
    assert result.n_train + result.n_test == len(classifier.load_sample())
    assert set(result.per_language) == set(LANGS)
    for lang, score in result.per_language.items():
        print(f"triage held-out accuracy [{lang}]: {score.accuracy:.2f} (n={score.n_test})")
        assert score.n_test >= 60, lang
        assert score.accuracy >= FLOOR, lang
        assert score.majority_baseline < FLOOR, lang  # the floor means something
    assert sum(s.n_test for s in result.per_language.values()) == result.n_test
    assert result.accuracy >= FLOOR
    assert min(onsite["recall"], remote["recall"]) >= 0.85


def test_held_out_split_is_stratified_by_language_and_kind():
    sample = classifier.load_sample()
    result = classifier.evaluate(seed=0)
    for lang, score in result.per_language.items():
        assert score.n_test == pytest.approx(sum(r.lang == lang for r in sample) / 4, abs=1)


def test_evaluation_is_reproducible():
    assert classifier.evaluate.__wrapped__(seed=3) == classifier.evaluate.__wrapped__(seed=3)


def test_stored_model_is_small(tmp_path):
    model = classifier.fit([(r.text, r.kind, 1.0) for r in classifier.load_sample()])
    model.save(tmp_path / "model.npz")
    assert (tmp_path / "model.npz").stat().st_size < 2_000_000


def test_prediction_explains_itself(app):
    kind, confidence, terms = classifier.predict(
        classifier.request_text(
            "Projector in meeting room shows no signal",
            "The projector in room Everest says no signal.",
        )
    )
    assert kind == "onsite" and confidence > 0.6
    assert terms and all(
        t.lower() in "projector in meeting room shows no signal room everest says" for t in terms
    )
    assert classifier.predict("Outlook asks for my password again").kind == "remote"
    romanian = classifier.predict("Proiectorul din sala Carpați nu afișează nimic, zice No signal")
    assert romanian.kind == "onsite" and romanian.top_terms
    assert all(t in "Proiectorul din sala Carpați nu afișează nimic" for t in romanian.top_terms)


ROMANIAN_SPELLINGS = [  # one request as people type it: comma below, cedilla, no accents
    "Imprimanta din sala 2.04 scoate foi pătate și ștampila nu se vede; e urgentă, mulțumesc",
    "Imprimanta din sala 2.04 scoate foi pătate şi ştampila nu se vede; e urgentă, mulţumesc",
    "Imprimanta din sala 2.04 scoate foi patate si stampila nu se vede; e urgenta, multumesc",
    "IMPRIMANTA DIN SALA 2.04 SCOATE FOI PĂTATE ȘI ȘTAMPILA NU SE VEDE; E URGENTĂ, MULȚUMESC",
]

# Requests that are not in the sample, as Romanian employees write them.
ROMANIAN_PROBES = [
    ("onsite", "Multifuncționala de la etajul 3 a rămas fără toner și face dungi pe copii."),
    ("onsite", "Nu mai merge priza de rețea din sala 204, et. 2, sediul din Cluj"),
    ("onsite", "laptopul a cazut de pe birou si nu mai porneste, ecranul e crapat"),
    ("onsite", "Cititorul de badge de la intrarea în depozit nu are nicio lumină"),
    ("onsite", "Casa de marcat 2 nu mai scoate bonul, imprimanta fiscală clipește roșu"),
    ("remote", "Parola de la Outlook a expirat şi nu mai pot intra în mail"),
    ("remote", "Am nevoie de acces la folderul partajat Achizitii, doar citire"),
    ("remote", "VPN-ul nu se conecteaza de acasa, sta in Connecting"),
    ("remote", "Vă rog instalați Adobe Reader pe laptop, nu am drepturi de administrator"),
    ("remote", "Eroare în ERP la emiterea facturii: cod fiscal invalid"),
]


@pytest.mark.parametrize(("kind", "text"), ROMANIAN_PROBES)
def test_romanian_requests_are_understood(app, kind, text):
    assert classifier.predict(text).kind == kind


def test_romanian_spellings_read_the_same(app):
    """Diacritics or not, cedilla or comma below, upper or lower case: one prediction."""
    assert len({fold(t) for t in ROMANIAN_SPELLINGS}) == 1
    predictions = [classifier.predict(t) for t in ROMANIAN_SPELLINGS]
    assert len({(p.kind, round(p.confidence, 12)) for p in predictions}) == 1
    assert predictions[0].kind == "onsite"


def test_reason_words_are_quoted_as_written(app):
    comma, cedilla, bare = (classifier.predict(t).top_terms for t in ROMANIAN_SPELLINGS[:3])
    assert comma and len(comma) == len(cedilla) == len(bare)
    assert [fold(t) for t in comma] == [fold(t) for t in cedilla] == [fold(t) for t in bare]
    assert all(t.isascii() for t in bare)
    assert set(comma) <= set(words_as_written(ROMANIAN_SPELLINGS[0]).values())
    assert not {fold(t) for t in comma} & {"din", "si", "nu", "se", "e"}


BADGE = (
    "Badge reader beeps red at warehouse door",
    "My badge gets a red light on the badge reader at the warehouse door.",
)
RIGHTS = [
    ("Badge reader red at lab", "The badge reader at the lab door shows red for my badge."),
    ("badge reader beeps red", "badge reader beeps red when I try the office door on floor 2"),
    ("Red light on badge reader", "New colleague: the reader shows a red light for his badge."),
    ("Badge reader refuses my badge", "Since my move to logistics the reader gives red."),
]


def test_overrides_feed_training(app, make_ticket, make_user):
    """The sample says a red badge reader is on-site work; this dispatcher knows it is access
    rights, fixed remotely. After four such decisions the classifier agrees with them."""
    probe = classifier.request_text(*BADGE)
    before = classifier.predict(probe)
    assert before.kind == "onsite" and before.confidence > 0.8
    dispatcher = make_user("dispatcher")
    for subject, description in RIGHTS:
        ticket = make_ticket(subject=subject, description=description)
        decision = record_decision(ticket, dispatcher, "remote")
        assert decision.overridden == (ticket.suggested_kind == "onsite")
    db.session.commit()
    after = classifier.predict(probe)
    assert after.kind == "remote" and after.confidence > 0.6
    assert classifier.current_model().n_decisions == 4
    assert any("badge" in t or "red" in t for t in after.top_terms)


def test_latest_decision_per_ticket_wins(app, make_ticket, make_user):
    dispatcher = make_user("dispatcher")
    ticket = make_ticket(subject="Docking station dead", description="No screens on the dock.")
    record_decision(ticket, dispatcher, "remote")
    record_decision(ticket, dispatcher, "onsite")
    db.session.commit()
    assert classifier.learned_decisions() == [
        (classifier.request_text(ticket.subject, ticket.description), "onsite")
    ]
    assert classifier.current_model().n_decisions == 1


def test_model_is_cached_until_decisions_change(app, make_ticket, make_user):
    first = classifier.current_model()
    assert classifier.current_model() is first
    ticket = make_ticket(subject="Keyboard broken", description="Keys E and R do not work.")
    record_decision(ticket, make_user("dispatcher"), "onsite")
    db.session.commit()
    second = classifier.current_model()
    assert second is not first and second.n_decisions == 1
    assert classifier.current_model() is second


def test_a_process_asks_for_new_decisions_once_per_recheck_time(app, make_app, monkeypatch):
    # Creating a request must not cost a query for the classifier each time: within
    # TRIAGE_RECHECK_SECONDS a process trusts the model it has; then it asks again (one query).
    worker = make_app(TRIAGE_RECHECK_SECONDS=30.0)
    with worker.app_context():
        classifier.current_model()
        with statements() as sent:
            classifier.current_model()
        assert sent == []
        later = time.monotonic() + 31
        monkeypatch.setattr(classifier.time, "monotonic", lambda: later)
        with statements() as sent:
            classifier.current_model()
        assert len(sent) == 1 and "triage_decision" in sent[0]


def test_a_decision_recorded_here_is_looked_for_at_once(app, make_ticket, make_user):
    classifier.current_model()
    ticket = make_ticket(subject="Keyboard broken", description="Keys E and R do not work.")
    record_decision(ticket, make_user("dispatcher"), "onsite")
    db.session.commit()
    assert classifier.current_model().n_decisions == 1


@pytest.mark.parametrize("weight", [0.0, 3.0])
def test_decision_weight_is_configurable(app, make_ticket, make_user, weight):
    app.config["TRIAGE_DECISION_WEIGHT"] = weight
    dispatcher = make_user("dispatcher")
    for subject, description in RIGHTS:
        record_decision(make_ticket(subject=subject, description=description), dispatcher, "remote")
    db.session.commit()
    expected = "onsite" if weight == 0.0 else "remote"
    assert classifier.predict(classifier.request_text(*BADGE)).kind == expected


ODD_TEXTS = [
    "",
    "zzz qqq",
    "Café crème: l'imprimante est cassée",
    "VPN VPN VPN won't connect",
    "Ünïcödé ﬁ ligature ß straße",
    "printer " * 400,
    "e-mail\nre-install  it's   down",
]


def test_the_arrays_predict_exactly_as_the_fitted_pipeline():
    sample = classifier.load_sample()
    model = classifier.fit([(r.text, r.kind, 1.0) for r in sample])
    texts = [r.text for r in sample] + ODD_TEXTS + ROMANIAN_SPELLINGS
    expected = model.pipeline.predict_proba(texts)
    classes = list(model.pipeline.classes_)
    for text, proba in zip(texts, expected, strict=True):
        got = model.predict(text)
        assert got.confidence == pytest.approx(max(proba), abs=1e-12)
        assert got.kind == classes[int(proba.argmax())]
        written = set(words_as_written(text).values())
        assert set(got.top_terms) <= written, (text, got.top_terms)


def test_the_model_is_stored_for_the_next_process(app, tmp_path, database_url, monkeypatch):
    """A new process (an MTA pipe: one per message) loads the stored arrays: it neither fits
    nor imports scikit-learn."""
    import subprocess
    import sys

    app.config["TRIAGE_MODEL_CACHE"] = str(tmp_path)
    classifier.forget_models()
    model = classifier.current_model()
    stored = list(tmp_path.glob("model-*.npz"))
    assert len(stored) == 1
    classifier.forget_models()
    monkeypatch.setattr(classifier, "fit", lambda *a, **k: pytest.fail("fitted again"))
    again = classifier.current_model()
    probe = "The projector in room Everest says no signal"
    assert again.predict(probe) == model.predict(probe) and again.n_sample == model.n_sample
    code = (
        "import sys\n"
        "from dispatch import create_app\n"
        "from dispatch.triage import classifier\n"
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {database_url!r}, 'SECRET_KEY': 'x', "
        f"'TESTING': True, 'TRIAGE_MODEL_CACHE': {str(tmp_path)!r}}})\n"
        "with app.app_context():\n"
        f"    print(classifier.predict({probe!r}).kind)\n"
        "print(any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [model.predict(probe).kind, "False"]


def test_an_unreadable_stored_model_is_fitted_again(app, tmp_path):
    app.config["TRIAGE_MODEL_CACHE"] = str(tmp_path)
    classifier.forget_models()
    classifier.current_model()
    (path,) = tmp_path.glob("model-*.npz")
    path.write_bytes(b"not a model")
    classifier.forget_models()
    assert classifier.predict("Outlook asks for my password again").kind == "remote"
    assert classifier.Model.load(path).n_sample == len(classifier.load_sample())  # rewritten
