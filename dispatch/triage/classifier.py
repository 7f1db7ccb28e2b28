"""Remote or on-site? A small text classifier that learns from the dispatcher.

It is trained on the labelled sample shipped in ``data/sample_requests.jsonl`` plus every
ticket the dispatcher has decided (``TriageDecision``; the latest decision per ticket wins and
counts more than a sample request). Word uni- and bigrams (TF-IDF) feed a logistic
regression: measured on the sample it beat character n-grams, naive Bayes and a linear SVM, it
fits in well under a second, and its weights say which words drove a prediction.

Each process keeps the fitted model and refits only when the decisions change (their count,
highest id or newest time), so several gunicorn workers each retrain once, cheaply. The fitted
model is reduced to arrays (vocabulary, IDF, coefficients) that predict with numpy alone and are
stored in the instance folder, so a short-lived process (an MTA pipe) neither fits nor imports
scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from flask import current_app
from sqlalchemy import func

from dispatch.extensions import db
from dispatch.triage.models import TriageDecision

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

# scikit-learn is imported where it is used (fitting, evaluating): loading it takes a second or
# two, and every command (`flask mail ingest` runs once per message) would pay for it.

SAMPLE_PATH = Path(__file__).parent / "data" / "sample_requests.jsonl"
KINDS = ("onsite", "remote")

# Defaults; an installation may override them in its configuration.
DECISION_WEIGHT = 3.0  # one dispatcher decision counts as much as three sample requests
MAX_DECISIONS = 2000  # the most recent decisions are enough, and keep a refit fast
TEXT_LIMIT = 2000  # characters of a request the classifier reads
TOKEN = re.compile(r"(?u)\b\w[\w'-]*\b")  # a word: letters/digits, then also ' and -
MODEL_FORMAT = 1  # bump when the stored arrays change meaning


class Prediction(NamedTuple):
    kind: str
    confidence: float
    top_terms: list[str]


def request_text(subject: str, description: str) -> str:
    """The text the classifier reads for a request: subject, then description."""
    return f"{(subject or '').strip()}\n{(description or '').strip()}"[:TEXT_LIMIT]


@lru_cache(maxsize=1)
def load_sample() -> tuple[tuple[str, str], ...]:
    """The shipped labelled sample as (text, kind) pairs."""
    rows = []
    with SAMPLE_PATH.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                item = json.loads(line)
                rows.append((request_text(item["subject"], item["description"]), item["kind"]))
    return tuple(rows)


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    words = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        sublinear_tf=True,
        strip_accents="unicode",
        token_pattern=TOKEN.pattern,
    )
    # liblinear is the fastest solver at this size; balanced weights keep the minority kind fair.
    model = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear")
    return Pipeline([("words", words), ("model", model)])


@dataclass
class Model:
    """A fitted classifier reduced to what predicting needs: the vocabulary, the IDF weights and
    the regression's coefficients. Predicting is plain numpy (no scikit-learn), the same
    arithmetic as the fitted pipeline's (a test compares them), and the arrays can be stored so
    that a new process (``flask mail ingest`` runs once per message) skips loading scikit-learn.
    """

    terms: np.ndarray  # column -> word or bigram
    idf: np.ndarray
    coef: np.ndarray  # points towards classes[1]
    intercept: float
    classes: tuple[str, str]
    stop: frozenset
    n_sample: int
    n_decisions: int
    pipeline: Pipeline | None = field(default=None, repr=False)  # only when fitted here

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {str(term): col for col, term in enumerate(self.terms)}

    def _row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF row as (columns, values), as the fitted vectoriser makes it:
        lower case, accents stripped, word uni- and bigrams, 1 + log(tf), times IDF, L2-norm."""
        tokens = TOKEN.findall(_strip_accents(text.lower()))
        grams = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
        columns = self._columns
        counts = Counter(columns[g] for g in grams if g in columns)
        if not counts:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        cols = np.array(sorted(counts), dtype=np.intp)
        values = (np.log(np.array([counts[c] for c in cols], dtype=float)) + 1.0) * self.idf[cols]
        norm = np.sqrt(np.dot(values, values))
        return cols, values / norm if norm > 0 else values

    def predict(self, text: str, n_terms: int = 3) -> Prediction:
        """The likelier kind, its probability, and the words that pushed towards it most."""
        cols, values = self._row(text)  # computed once: it feeds the probability and the words
        positive = 1.0 / (1.0 + np.exp(-(np.dot(values, self.coef[cols]) + self.intercept)))
        proba = np.array([1.0 - positive, positive])
        best = int(np.argmax(proba))
        kind = self.classes[best]
        return Prediction(kind, float(proba[best]), self._terms(cols, values, kind, n_terms))

    def _terms(self, cols: np.ndarray, values: np.ndarray, kind: str, n: int) -> list[str]:
        # Binary model: coef points towards classes[1]; flip it for the other kind.
        sign = 1.0 if self.classes[1] == kind else -1.0
        weights = sign * self.coef[cols] * values
        chosen: list[str] = []
        covered: set[str] = set()
        for idx in np.argsort(-weights):
            if weights[idx] <= 0 or len(chosen) >= n:
                break
            term = str(self.terms[cols[idx]])
            words = set(term.split())
            if words <= self.stop or words - self.stop <= covered:
                continue  # "the", "my", or nothing new ("in room" after "room")
            chosen.append(term)
            covered |= words
        return chosen

    # --- stored between processes ---

    def save(self, path: Path) -> None:
        """Write the arrays (no pickle) to ``path`` atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    terms=self.terms,
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
                idf=data["idf"],
                coef=data["coef"],
                intercept=float(data["intercept"][0]),
                classes=tuple(str(c) for c in data["classes"]),
                stop=frozenset(str(w) for w in data["stop"]),
                n_sample=n_sample,
                n_decisions=n_decisions,
            )


def _strip_accents(text: str) -> str:
    """Accents off (é -> e) as the vectoriser's strip_accents="unicode" does."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fit(examples: list[tuple[str, str, float]], n_sample: int = 0, n_decisions: int = 0) -> Model:
    """Fit a model on (text, kind, weight) examples."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    texts = [t for t, _, _ in examples]
    kinds = [k for _, k, _ in examples]
    weights = np.array([w for _, _, w in examples], dtype=float)
    pipeline = _pipeline()
    pipeline.fit(texts, kinds, model__sample_weight=weights)
    words, model = pipeline.named_steps["words"], pipeline.named_steps["model"]
    return Model(
        terms=words.get_feature_names_out().astype(str),
        idf=words.idf_,
        coef=model.coef_[0].copy(),
        intercept=float(model.intercept_[0]),
        classes=tuple(str(c) for c in model.classes_),
        stop=frozenset(ENGLISH_STOP_WORDS),
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


def forget_models() -> None:
    """Drop the models this process keeps in memory (the next prediction loads or fits one)."""
    with _lock:
        _cache.clear()


def current_model() -> Model:
    """The model for this database's current decisions, refitted only when they changed.

    Kept in memory per process and, when ``TRIAGE_MODEL_CACHE`` names a folder (the instance
    folder's ``triage/`` by default, none under TESTING), stored there for the next process.
    """
    weight, limit = _settings()
    key = (_fingerprint(), weight, limit)
    where = str(db.engine.url)
    cached = _cache.get(where)
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
            examples = [(t, k, 1.0) for t, k in sample] + [(t, k, weight) for t, k in decisions]
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
    return hashlib.sha256(SAMPLE_PATH.read_bytes()).hexdigest()


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
class Evaluation:
    accuracy: float
    n_train: int
    n_test: int
    majority_baseline: float  # accuracy of always answering the commonest kind
    per_class: dict[str, dict[str, float]]  # kind -> precision, recall, support


@lru_cache(maxsize=8)
def evaluate(seed: int = 0, test_size: float = 0.25) -> Evaluation:
    """Accuracy on a fixed, stratified held-out part of the shipped sample.

    Only the sample is used (never the dispatcher's decisions), so the figure is reproducible
    and comparable between versions.
    """
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    from sklearn.model_selection import train_test_split

    texts, kinds = zip(*load_sample(), strict=True)
    x_train, x_test, y_train, y_test = train_test_split(
        list(texts), list(kinds), test_size=test_size, stratify=list(kinds), random_state=seed
    )
    model = fit([(t, k, 1.0) for t, k in zip(x_train, y_train, strict=True)], n_sample=len(x_train))
    predicted = model.pipeline.predict(x_test)
    precision, recall, _, support = precision_recall_fscore_support(
        y_test, predicted, labels=list(KINDS), zero_division=0
    )
    majority = max(y_test.count(k) for k in KINDS) / len(y_test)
    per_class = {
        k: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "support": int(support[i]),
        }
        for i, k in enumerate(KINDS)
    }
    return Evaluation(
        float(accuracy_score(y_test, predicted)), len(x_train), len(x_test), majority, per_class
    )
