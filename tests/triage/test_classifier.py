"""The classifier: the shipped sample, its held-out accuracy, and learning from decisions."""

import json
import time

import pytest

from dispatch.extensions import db
from dispatch.triage import classifier
from dispatch.triage.services import record_decision

FLOOR = 0.90  # measured 0.96 on seed 0 (0.96-0.99 over seeds 0-4); always-"remote" scores 0.54


def test_sample_is_large_varied_and_balanced():
    rows = [json.loads(line) for line in classifier.SAMPLE_PATH.read_text("utf-8").splitlines()]
    assert len(rows) >= 240
    assert {r["kind"] for r in rows} == {"remote", "onsite"}
    share = sum(r["kind"] == "remote" for r in rows) / len(rows)
    assert 0.5 <= share <= 0.6  # realistic: a little more remote work than field work
    assert len({r["subject"].lower() for r in rows}) == len(rows)
    assert all(r["subject"].strip() and r["description"].strip() for r in rows)
    assert len(classifier.load_sample()) == len(rows)


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
    )
    print(f"triage classifier held-out accuracy: {result.accuracy:.2f} (n={result.n_test})")
    assert result.n_test >= 60 and result.n_train + result.n_test == len(classifier.load_sample())
    assert result.accuracy >= FLOOR
    assert result.majority_baseline < FLOOR  # the floor means something
    assert min(onsite["recall"], remote["recall"]) >= 0.85


def test_evaluation_is_reproducible():
    assert classifier.evaluate.__wrapped__(seed=3) == classifier.evaluate.__wrapped__(seed=3)


def test_training_is_fast():
    sample = [(t, k, 1.0) for t, k in classifier.load_sample()]
    decisions = [(t, k, 3.0) for t, k, _ in sample * 3]
    start = time.perf_counter()
    classifier.fit(sample + decisions)
    assert time.perf_counter() - start < 1.0


def test_prediction_explains_itself(app):
    kind, confidence, terms = classifier.predict(
        classifier.request_text(
            "Projector in meeting room shows no signal",
            "The projector in room Everest says no signal.",
        )
    )
    assert kind == "onsite" and confidence > 0.6
    assert terms and all(
        t in "projector in meeting room shows no signal room everest says" for t in terms
    )
    assert classifier.predict("Outlook asks for my password again").kind == "remote"


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


def _reference_terms(model, text, kind, n=3):
    """The words behind a prediction, worked out through scikit-learn's own vectoriser."""
    import numpy as np

    words, lr = model.pipeline.named_steps["words"], model.pipeline.named_steps["model"]
    row = words.transform([text]).tocoo()
    sign = 1.0 if lr.classes_[1] == kind else -1.0
    weights = sign * lr.coef_[0][row.col] * row.data
    names = words.get_feature_names_out()
    chosen, covered = [], set()
    for idx in np.argsort(-weights):
        if weights[idx] <= 0 or len(chosen) >= n:
            break
        term = str(names[row.col[idx]])
        parts = set(term.split())
        if parts <= model.stop or parts - model.stop <= covered:
            continue
        chosen.append(term)
        covered |= parts
    return chosen


def test_the_arrays_predict_exactly_as_the_fitted_pipeline():
    sample = classifier.load_sample()
    model = classifier.fit([(t, k, 1.0) for t, k in sample])
    texts = [t for t, _ in sample] + ODD_TEXTS
    expected = model.pipeline.predict_proba(texts)
    classes = list(model.pipeline.classes_)
    for text, proba in zip(texts, expected, strict=True):
        got = model.predict(text)
        assert got.confidence == pytest.approx(max(proba), abs=1e-12)
        assert got.kind == classes[int(proba.argmax())]
        assert got.top_terms == _reference_terms(model, text, got.kind)


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
