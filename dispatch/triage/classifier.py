"""Remote or on-site? A small text classifier that learns from the dispatcher.

It is trained on the labelled samples shipped in ``data/*.jsonl`` (English and Romanian
requests) plus every ticket the dispatcher has decided (``TriageDecision``; the latest decision
per ticket wins and counts more than a sample request). The text is folded first (lower case,
accents off, Romanian ș ț and ş ţ to s t; see ``text``), then word uni- and bigrams and
character 2-5-grams within words (TF-IDF each) feed one logistic regression. One model for both
languages: no language detection to get wrong, and the character n-grams match Romanian
inflections ("imprimanta", "imprimantei") and typos that whole words miss. Measured on the
samples it matched word n-grams alone on clean text and beat them on misspelt text, beat
character n-grams alone, and it fits in well under a second (docs/triage.md).

Each process keeps the fitted model and refits only when the decisions change (their count,
highest id or newest time), so several gunicorn workers each retrain once, cheaply. The fitted
model is reduced to arrays (vocabularies, IDF, coefficients) that predict with numpy alone and
are stored in the instance folder, so a short-lived process (an MTA pipe) neither fits nor
imports scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import time
import warnings
import weakref
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from flask import Flask, current_app
from sqlalchemy import func

from dispatch.extensions import db
from dispatch.triage.models import TriageDecision
from dispatch.triage.text import (
    ROMANIAN_STOP_WORDS,
    TOKEN,
    char_grams,
    chunk_grams,
    fold,
    word_grams,
    words_as_written,
)

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn is imported where it is used (fitting, evaluating): loading it takes a second or
# two, and every command (`flask mail ingest` runs once per message) would pay for it.

SAMPLE_DIR = Path(__file__).parent / "data"
KINDS = ("onsite", "remote")

# Defaults; an installation may override them in its configuration.
DECISION_WEIGHT = 3.0  # one dispatcher decision counts as much as three sample requests
MAX_DECISIONS = 2000  # the most recent decisions are enough, and keep a refit fast
#: How long a process trusts its model before asking whether other processes recorded decisions
#: (one small query): a decision made on one web worker reaches the others' suggestions within it.
RECHECK_SECONDS = 30.0
TEXT_LIMIT = 2000  # characters of a request the classifier reads
MODEL_FORMAT = 2  # bump when the stored arrays change meaning


class Prediction(NamedTuple):
    kind: str
    confidence: float
    top_terms: list[str]  # words of the request as written, strongest first


class SampleRequest(NamedTuple):
    text: str
    kind: str
    lang: str  # "en", "ro": what the held-out accuracy is reported by


def request_text(subject: str, description: str) -> str:
    """The text the classifier reads for a request: subject, then description."""
    return f"{(subject or '').strip()}\n{(description or '').strip()}"[:TEXT_LIMIT]


def sample_files() -> list[Path]:
    return sorted(SAMPLE_DIR.glob("*.jsonl"))


@lru_cache(maxsize=1)
def load_sample() -> tuple[SampleRequest, ...]:
    """The shipped labelled samples, every language, in file order."""
    rows = []
    for path in sample_files():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    item = json.loads(line)
                    text = request_text(item["subject"], item["description"])
                    rows.append(SampleRequest(text, item["kind"], item.get("lang", "en")))
    return tuple(rows)


def word_features(text: str) -> list[str]:
    return word_grams(fold(text))


def char_features(text: str) -> list[str]:
    return char_grams(fold(text))


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    # The analysers are this package's own functions, so the numpy predictor below makes
    # exactly the same features.
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=word_features, sublinear_tf=True)),
            ("chars", TfidfVectorizer(analyzer=char_features, sublinear_tf=True)),
        ]
    )
    # liblinear's dual form is the fastest here (far more features than requests: 4-5 times
    # faster than the primal with 2000 decisions); balanced weights keep the minority kind fair.
    model = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", dual=True)
    return Pipeline([("features", features), ("model", model)])


@dataclass
class Model:
    """A fitted classifier reduced to what predicting needs: the two vocabularies, the IDF
    weights and the regression's coefficients. Predicting is plain numpy (no scikit-learn), the
    same arithmetic as the fitted pipeline's (a test compares them), and the arrays can be
    stored so that a new process (``flask mail ingest`` runs once per message) skips loading
    scikit-learn.
    """

    terms: np.ndarray  # column -> word or bigram
    char_terms: np.ndarray  # column - len(terms) -> character n-gram
    idf: np.ndarray  # words' then characters'
    coef: np.ndarray  # points towards classes[1]
    intercept: float
    classes: tuple[str, str]
    stop: frozenset  # folded words never given as a reason
    n_sample: int
    n_decisions: int
    pipeline: Pipeline | None = field(default=None, repr=False)  # only when fitted here

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {str(term): col for col, term in enumerate(self.terms)}

    @cached_property
    def _char_columns(self) -> dict[str, int]:
        offset = len(self.terms)
        return {str(term): offset + col for col, term in enumerate(self.char_terms)}

    def _block(self, grams: list[str], columns: dict[str, int]) -> dict[int, float]:
        """One vectoriser's TF-IDF: 1 + log(tf), times IDF, L2-normed on its own (as
        FeatureUnion puts the two side by side)."""
        counts = Counter(columns[g] for g in grams if g in columns)
        if not counts:
            return {}
        cols = np.array(sorted(counts), dtype=np.intp)
        values = (np.log(np.array([counts[c] for c in cols], dtype=float)) + 1.0) * self.idf[cols]
        norm = np.sqrt(np.dot(values, values))
        if norm > 0:
            values = values / norm
        return dict(zip(cols.tolist(), values.tolist(), strict=True))

    def _row(self, folded: str) -> dict[int, float]:
        row = self._block(word_grams(folded), self._columns)
        row.update(self._block(char_grams(folded), self._char_columns))
        return row

    def predict(self, text: str, n_terms: int = 3) -> Prediction:
        """The likelier kind, its probability, and the words that pushed towards it most."""
        folded = fold(text)
        row = self._row(folded)  # computed once: it feeds the probability and the words
        cols = np.fromiter(row, dtype=np.intp, count=len(row))
        values = np.fromiter(row.values(), dtype=float, count=len(row))
        positive = 1.0 / (1.0 + np.exp(-(np.dot(values, self.coef[cols]) + self.intercept)))
        proba = np.array([1.0 - positive, positive])
        best = int(np.argmax(proba))
        kind = self.classes[best]
        terms = self._terms(text, folded, row, kind, n_terms)
        return Prediction(kind, float(proba[best]), terms)

    def _terms(self, text: str, folded: str, row: dict[int, float], kind: str, n: int) -> list[str]:
        """The request's words that pushed most towards ``kind``, quoted as written.

        Each feature's share of the decision (coefficient x value) is given to the words it
        came from: a word n-gram to its word (half each for a bigram), a character n-gram to
        the words of the chunk it was cut from, split over its occurrences.
        """
        # Binary model: coef points towards classes[1]; flip it for the other kind.
        sign = 1.0 if self.classes[1] == kind else -1.0
        weight = {col: sign * float(self.coef[col]) * value for col, value in row.items()}
        score: Counter[str] = Counter()
        for gram in set(word_grams(folded)):
            col = self._columns.get(gram)
            if col in weight:
                words = gram.split(" ")
                for word in words:
                    score[word] += weight[col] / len(words)
        chunks = [(TOKEN.findall(c), list(chunk_grams(c))) for c in folded.split()]
        occurrences = Counter(g for _, grams in chunks for g in grams)
        for words, grams in chunks:
            for gram in grams:
                col = self._char_columns.get(gram)
                if col in weight and words:
                    share = weight[col] / occurrences[gram] / len(words)
                    for word in words:
                        score[word] += share
        written = words_as_written(text)
        chosen = []
        for word, value in score.most_common():
            if value <= 0 or len(chosen) >= n:
                break
            if word in self.stop or word.isdigit() or len(word) < 2:
                continue  # "the", "de", a room number: true, but no reason
            chosen.append(written.get(word, word))
        return chosen

    # --- stored between processes ---

    def save(self, path: Path) -> None:
        """Write the arrays (no pickle, compressed) to ``path`` atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(  # vocabularies compress about 5:1
                    fh,
                    terms=self.terms,
                    char_terms=self.char_terms,
                    idf=self.idf,
                    coef=self.coef,
                    intercept=np.array([self.intercept]),
                    classes=np.array(self.classes),
                    stop=np.array(sorted(self.stop)),
                    counts=np.array([self.n_sample, self.n_decisions]),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> Model:
        with np.load(path, allow_pickle=False) as data:
            n_sample, n_decisions = (int(v) for v in data["counts"])
            return cls(
                terms=data["terms"],
                char_terms=data["char_terms"],
                idf=data["idf"],
                coef=data["coef"],
                intercept=float(data["intercept"][0]),
                classes=tuple(str(c) for c in data["classes"]),
                stop=frozenset(str(w) for w in data["stop"]),
                n_sample=n_sample,
                n_decisions=n_decisions,
            )


def fit(examples: list[tuple[str, str, float]], n_sample: int = 0, n_decisions: int = 0) -> Model:
    """Fit a model on (text, kind, weight) examples."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    texts = [t for t, _, _ in examples]
    kinds = [k for _, k, _ in examples]
    weights = np.array([w for _, _, w in examples], dtype=float)
    pipeline = _pipeline()
    with warnings.catch_warnings():
        # Odd decisions (the same text taught both ways) can keep liblinear from converging
        # within its iterations; the model it has then is still the best it found, and a
        # request must never fail on a warning.
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(texts, kinds, model__sample_weight=weights)
    union, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
    words, chars = (vectoriser for _, vectoriser in union.transformer_list)
    return Model(
        terms=words.get_feature_names_out().astype(str),
        char_terms=chars.get_feature_names_out().astype(str),
        idf=np.concatenate([words.idf_, chars.idf_]),
        coef=model.coef_[0].copy(),
        intercept=float(model.intercept_[0]),
        classes=tuple(str(c) for c in model.classes_),
        stop=frozenset(ENGLISH_STOP_WORDS) | ROMANIAN_STOP_WORDS,
        n_sample=n_sample,
        n_decisions=n_decisions,
        pipeline=pipeline,
    )


def _settings() -> tuple[float, int]:
    cfg = current_app.config
    return (
        float(cfg.get("TRIAGE_DECISION_WEIGHT", DECISION_WEIGHT)),
        int(cfg.get("TRIAGE_MAX_DECISIONS", MAX_DECISIONS)),
    )


def learned_decisions(limit: int = MAX_DECISIONS) -> list[tuple[str, str]]:
    """The dispatcher's decisions to learn from: the latest per ticket, newest first."""
    rows = db.session.execute(
        db.select(
            TriageDecision.ticket_id,
            func.substr(TriageDecision.text, 1, TEXT_LIMIT),
            TriageDecision.kind,
        )
        .order_by(TriageDecision.id.desc())
        .limit(limit * 2)
    ).all()
    seen: set[int] = set()
    out: list[tuple[str, str]] = []
    for ticket_id, text, kind in rows:
        if kind not in KINDS or (ticket_id is not None and ticket_id in seen):
            continue
        if ticket_id is not None:
            seen.add(ticket_id)
        out.append((text or "", kind))
        if len(out) >= limit:
            break
    return out


def _fingerprint() -> tuple:
    """Changes whenever a decision is added, removed or replaced: the cache key's core."""
    count, max_id, newest = db.session.execute(
        db.select(
            func.count(TriageDecision.id),
            func.max(TriageDecision.id),
            func.max(TriageDecision.created_at),
        )
    ).one()
    return (count, max_id, str(newest))


_cache: dict[str, tuple[tuple, Model]] = {}
_lock = threading.Lock()
#: When this app last compared its model with the database's decisions (monotonic seconds), per
#: database. Within ``TRIAGE_RECHECK_SECONDS`` of it a request uses the model it has without
#: asking: creating a request then costs no query for the classifier. Per app object, so that a
#: new app (a restarted process, each test) looks again.
_checked: weakref.WeakKeyDictionary[Flask, dict[str, float]] = weakref.WeakKeyDictionary()


def forget_models() -> None:
    """Drop the models this process keeps in memory (the next prediction loads or fits one)."""
    with _lock:
        _cache.clear()
        _checked.clear()


def decisions_changed() -> None:
    """A decision was recorded by this process: its next prediction looks again at once (other
    processes within ``TRIAGE_RECHECK_SECONDS``)."""
    _checked.clear()


def current_model() -> Model:
    """The model for this database's current decisions, refitted only when they changed.

    Kept in memory per process and, when ``TRIAGE_MODEL_CACHE`` names a folder (the instance
    folder's ``triage/`` by default, none under TESTING), stored there for the next process.
    """
    weight, limit = _settings()
    where = str(db.engine.url)
    cached = _cache.get(where)
    recheck = float(current_app.config.get("TRIAGE_RECHECK_SECONDS", RECHECK_SECONDS))
    checked = _checked.setdefault(current_app._get_current_object(), {})
    if cached is not None and time.monotonic() - checked.get(where, -math.inf) < recheck:
        return cached[1]
    key = (_fingerprint(), weight, limit)
    checked[where] = time.monotonic()
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        cached = _cache.get(where)
        if cached is not None and cached[0] == key:
            return cached[1]
        path = _stored_path(where, key)
        model = _load_stored(path) if path is not None else None
        if model is None:
            sample = load_sample()
            decisions = learned_decisions(limit)
            examples = [(r.text, r.kind, 1.0) for r in sample]
            examples += [(t, k, weight) for t, k in decisions]
            model = fit(examples, n_sample=len(sample), n_decisions=len(decisions))
            if path is not None:
                _store(model, path)
        _cache[where] = (key, model)
        return model


def _stored_path(where: str, key: tuple) -> Path | None:
    cfg = current_app.config
    folder = cfg.get(
        "TRIAGE_MODEL_CACHE",
        None if current_app.testing else os.path.join(current_app.instance_path, "triage"),
    )
    if not folder:
        return None
    digest = hashlib.sha256(repr((MODEL_FORMAT, where, key, _sample_digest())).encode()).hexdigest()
    return Path(folder) / f"model-{digest[:32]}.npz"


@lru_cache(maxsize=1)
def _sample_digest() -> str:
    digest = hashlib.sha256()
    for path in sample_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _load_stored(path: Path) -> Model | None:
    try:
        return Model.load(path) if path.exists() else None
    except Exception:  # unreadable or from another version: fit again
        current_app.logger.warning("triage model cache %s unreadable; refitting", path)
        return None


def _store(model: Model, path: Path) -> None:
    try:
        model.save(path)
        for old in path.parent.glob("model-*.npz"):  # models of earlier decisions
            if old != path and old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only folder only costs the next process a refit
        current_app.logger.warning("triage model cache %s not writable", path.parent)


def predict(text: str) -> Prediction:
    """(kind, confidence, top_terms) for a request's text, from the current model."""
    return current_model().predict(text)


@dataclass(frozen=True)
class LanguageScore:
    accuracy: float
    n_test: int
    majority_baseline: float  # accuracy of always answering this language's commonest kind


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    n_train: int
    n_test: int
    majority_baseline: float  # accuracy of always answering the commonest kind
    per_class: dict[str, dict[str, float]]  # kind -> precision, recall, support
    per_language: dict[str, LanguageScore]  # "en", "ro" -> its held-out requests only


def _majority(kinds: list[str]) -> float:
    return max(kinds.count(k) for k in KINDS) / len(kinds)


@lru_cache(maxsize=8)
def evaluate(seed: int = 0, test_size: float = 0.25) -> Evaluation:
    """Accuracy on a fixed held-out part of the shipped samples, stratified by language and
    kind, overall and per language.

    One model is trained on the other part of every language together, as in production. Only
    the samples are used (never the dispatcher's decisions), so the figures are reproducible
    and comparable between versions.
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from sklearn.model_selection import train_test_split

    sample = load_sample()
    train, test = train_test_split(
        list(sample),
        test_size=test_size,
        stratify=[f"{r.lang}:{r.kind}" for r in sample],
        random_state=seed,
    )
    model = fit([(r.text, r.kind, 1.0) for r in train], n_sample=len(train))
    predicted = list(model.pipeline.predict([r.text for r in test]))
    truth = [r.kind for r in test]
    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=list(KINDS), zero_division=0
    )
    per_class = {
        k: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "support": int(support[i]),
        }
        for i, k in enumerate(KINDS)
    }
    per_language = {}
    for lang in sorted({r.lang for r in test}):
        idx = [i for i, r in enumerate(test) if r.lang == lang]
        kinds = [truth[i] for i in idx]
        per_language[lang] = LanguageScore(
            float(accuracy_score(kinds, [predicted[i] for i in idx])), len(idx), _majority(kinds)
        )
    return Evaluation(
        float(accuracy_score(truth, predicted)),
        len(train),
        len(test),
        _majority(truth),
        per_class,
        per_language,
    )
