"""Suggesting a ticket's kind (remote or on-site), with a confidence and a reason.

Order: the category's default kind, then the admin's keyword rules, then a classifier
trained on the dispatcher's own past decisions (see ``classifier``). The classifier only
suggests when it is confident enough; otherwise the suggestion is "unsure" (no kind) and the
reason shows its best guess, so the dispatcher decides. Every decision the dispatcher makes is
recorded (``record_decision``) and becomes training data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import record
from dispatch.tickets.models import Category, Kind, Ticket, TicketEvent
from dispatch.tickets.suggestion_reason import reason_text
from dispatch.triage import classifier
from dispatch.triage.models import KeywordRule, TriageDecision
from dispatch.triage.text import find_phrase, fold
from dispatch.types import utcnow

# Below this probability the classifier's guess is shown but not suggested. Measured on the
# held-out sample: at 0.6 about 89% of requests get a suggestion and 98-99% of those are right.
CONFIDENCE_THRESHOLD = 0.6
CATEGORY_CONFIDENCE = 0.9
KEYWORD_CONFIDENCE = 0.8
PHRASE_MIN, PHRASE_MAX = 2, 120


@dataclass(frozen=True)
class Suggestion:
    kind: str | None
    confidence: float | None
    basis: dict[str, Any]  # what the reason says, kept so each reader gets it in their language
    source: str  # "category", "keyword", "classifier", "unsure", "none"

    @property
    def reason(self) -> str:
        """The reason in the current language."""
        return reason_text(self.source, self.basis)


def _threshold() -> float:
    return float(current_app.config.get("TRIAGE_CONFIDENCE_THRESHOLD", CONFIDENCE_THRESHOLD))


def suggest(subject: str, description: str, category: Category | None) -> Suggestion:
    """Suggest a kind for a new request: category default, keyword rules, then the classifier."""
    if category is not None and category.default_kind:
        return Suggestion(
            category.default_kind,
            CATEGORY_CONFIDENCE,
            {
                "category": category.name,
                "category_names": category.texts("name"),
                "kind": category.default_kind,
            },
            "category",
        )
    text = classifier.request_text(subject, description)
    rules = db.session.scalars(db.select(KeywordRule).filter_by(active=True)).all()
    # The most specific (longest) phrase wins when several rules match. Whole words, ignoring
    # case and accents: a rule for "hârtie blocată" fires on "hartie blocata" typed on a phone,
    # and the reason quotes the request's words as its author wrote them.
    for rule in sorted(rules, key=lambda r: (-len(r.phrase), r.id)):
        found = find_phrase(rule.phrase, text) if rule.kind in set(Kind) else None
        if found is not None:
            return Suggestion(
                rule.kind,
                KEYWORD_CONFIDENCE,
                {"phrase": " ".join(found.split()), "kind": rule.kind},
                "keyword",
            )
    if not text.strip():
        return Suggestion(None, None, {"why": "empty"}, "none")
    try:
        return _from_classifier(text)
    except (OSError, ValueError):  # sample missing or unreadable: intake must still work
        current_app.logger.exception("triage classifier unavailable")
        return Suggestion(None, None, {"why": "unavailable"}, "none")


def _from_classifier(text: str) -> Suggestion:
    model = classifier.current_model()
    guess = model.predict(text)
    basis = {"kind": guess.kind, "pct": round(guess.confidence * 100)}
    if guess.confidence < _threshold():
        return Suggestion(None, guess.confidence, basis, "unsure")
    basis |= {
        "words": list(guess.top_terms),
        "decisions": model.n_decisions,
        "samples": model.n_sample,
    }
    return Suggestion(guess.kind, guess.confidence, basis, "classifier")


def ticket_reason(ticket: Ticket) -> str:
    """The reason of a ticket's suggestion in the reader's language (the text kept with a
    ticket suggested before reasons were kept this way)."""
    if ticket.suggestion_basis:
        return reason_text(ticket.suggestion_basis["source"], ticket.suggestion_basis)
    return ticket.suggestion_reason


def suggest_for_new_ticket(ticket: Ticket, **_kwargs: Any) -> None:
    """Receiver of :data:`dispatch.tickets.services.ticket_created`: put the suggestion on the
    new ticket and record it, in the creating transaction."""
    tip = suggest(ticket.subject, ticket.description, ticket.category)
    ticket.suggested_kind = tip.kind
    ticket.suggestion_confidence = tip.confidence
    ticket.suggestion_reason = tip.reason
    ticket.suggestion_basis = {"source": tip.source, **tip.basis}
    record(
        ticket,
        None,
        "suggested",
        internal=True,
        kind=tip.kind,
        confidence=tip.confidence,
        source=tip.source,
        basis={"source": tip.source, **tip.basis},
    )


def record_kind_decision(ticket: Ticket, *, actor: User | None, kind: str, **_kwargs: Any) -> None:
    """Receiver of :data:`dispatch.tickets.cataloguing.kind_decided`."""
    record_decision(ticket, actor, kind)


def record_decision(ticket, actor, kind: str) -> TriageDecision:
    """Remember the dispatcher's decision on ``ticket``'s kind as training data.

    One row per call, marked ``overridden`` when it differs from the suggestion; the caller
    changes the ticket, records its event and commits. The classifier picks the row up on its
    next prediction (the latest decision per ticket wins).
    """
    if kind not in set(Kind):
        raise ValidationError(_("Choose remote or on-site."), field="kind")
    if ticket.id is None:
        db.session.flush()
    # No autoflush: the caller's pending ticket changes are flushed (and version-checked) by
    # its own commit, where a lost race becomes a Conflict.
    with db.session.no_autoflush:
        suggested = db.session.scalar(
            db.select(TicketEvent.data)
            .filter_by(ticket_id=ticket.id, type="suggested")
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
    decision = TriageDecision(
        ticket_id=ticket.id,
        actor_id=actor.id if actor is not None else None,
        text=classifier.request_text(ticket.subject, ticket.description),
        kind=str(kind),
        suggested_kind=ticket.suggested_kind,
        suggestion_source=str((suggested or {}).get("source") or "")[:20],
        overridden=ticket.suggested_kind not in (None, kind),
        created_at=utcnow(),
    )
    db.session.add(decision)
    classifier.decisions_changed()
    return decision


# --- keyword rules (admin pages) ---------------------------------------------------------------


def _clean_rule(phrase: str, kind: str, rule_id: int | None = None) -> str:
    phrase = " ".join((phrase or "").split())
    errors: dict[str, list[str]] = {}
    if not PHRASE_MIN <= len(phrase) <= PHRASE_MAX:
        errors["phrase"] = [_("Between %(a)d and %(b)d characters.", a=PHRASE_MIN, b=PHRASE_MAX)]
    else:
        # Rules match ignoring case and accents, so "hartie blocata" is the same rule as
        # "hârtie blocată": a second one could only contradict the first.
        others = db.session.scalars(db.select(KeywordRule).where(KeywordRule.id != (rule_id or 0)))
        clash = next((r for r in others if fold(r.phrase) == fold(phrase)), None)
        if clash is not None:
            errors["phrase"] = [_('A rule for "%(p)s" exists already.', p=clash.phrase)]
    if kind not in set(Kind):
        errors["kind"] = [_("Choose remote or on-site.")]
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, errors=errors)
    return phrase


def _commit_rule(rule: KeywordRule) -> KeywordRule:
    try:
        db.session.commit()
    except IntegrityError:  # the same phrase saved by someone else meanwhile
        db.session.rollback()
        raise ValidationError(
            _('A rule for "%(p)s" exists already.', p=rule.phrase), field="phrase"
        ) from None
    return rule


def create_rule(phrase: str, kind: str) -> KeywordRule:
    """A new active keyword rule."""
    rule = KeywordRule(phrase=_clean_rule(phrase, kind), kind=kind, active=True)
    db.session.add(rule)
    return _commit_rule(rule)


def update_rule(rule: KeywordRule, phrase: str, kind: str, active: bool) -> KeywordRule:
    rule.phrase = _clean_rule(phrase, kind, rule.id)
    rule.kind = kind
    rule.active = bool(active)
    return _commit_rule(rule)


def set_rule_active(rule: KeywordRule, active: bool) -> KeywordRule:
    rule.active = bool(active)
    return _commit_rule(rule)


def list_rules() -> list[KeywordRule]:
    return list(
        db.session.scalars(
            db.select(KeywordRule).order_by(KeywordRule.active.desc(), KeywordRule.phrase)
        )
    )


# --- what the triage page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    evaluation: classifier.Evaluation
    learned: int  # decisions the current model learned from (latest per ticket)
    decisions: int  # every decision recorded
    overrides: int
    agreement: float | None  # share of suggested kinds the dispatcher kept


def overview() -> Overview:
    total, overrides, with_suggestion = db.session.execute(
        db.select(
            func.count(TriageDecision.id),
            func.count(TriageDecision.id).filter(TriageDecision.overridden.is_(True)),
            func.count(TriageDecision.suggested_kind),
        )
    ).one()
    agreement = (with_suggestion - overrides) / with_suggestion if with_suggestion else None
    return Overview(
        classifier.evaluate(), classifier.current_model().n_decisions, total, overrides, agreement
    )


def recent_overrides(limit: int = 20) -> list[tuple[TriageDecision, str | None]]:
    """The latest decisions that corrected a suggestion, with who made them."""
    return [
        tuple(row)
        for row in db.session.execute(
            db.select(TriageDecision, User.name)
            .outerjoin(User, User.id == TriageDecision.actor_id)
            .where(TriageDecision.overridden.is_(True))
            .order_by(TriageDecision.id.desc())
            .limit(limit)
        )
    ]
