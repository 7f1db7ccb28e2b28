"""Suggesting a ticket's kind (remote or on-site), with a confidence and a reason.

Order: the category's default kind, then the admin's keyword rules, then a classifier
trained on the dispatcher's own past decisions (see ``classifier``).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from dispatch.extensions import db
from dispatch.tickets.models import Category
from dispatch.triage.models import KeywordRule


@dataclass(frozen=True)
class Suggestion:
    kind: str | None
    confidence: float | None
    reason: str
    source: str  # "category", "keyword", "classifier", "none"


def suggest(subject: str, description: str, category: Category | None) -> Suggestion:
    if category is not None and category.default_kind:
        return Suggestion(category.default_kind, 0.9,
                          _("Category %(c)s is usually %(k)s.", c=category.name,
                            k=category.default_kind), "category")
    text = f"{subject}\n{description}".lower()
    rules = db.session.scalars(db.select(KeywordRule).filter_by(active=True)).all()
    for rule in rules:
        if rule.phrase.lower() in text:
            return Suggestion(rule.kind, 0.8, _('Mentions "%(p)s".', p=rule.phrase), "keyword")
    return Suggestion(None, None, _("No rule matched; the dispatcher decides."), "none")


def record_decision(ticket, actor, kind: str) -> None:
    """Remember the dispatcher's decision on ``ticket``'s kind as training data (caller commits).

    Placeholder until the classifier lands: the triage module owns this function.
    """
    from dispatch.triage.models import TriageDecision

    db.session.add(TriageDecision(
        ticket_id=ticket.id, actor_id=actor.id if actor else None,
        text=f"{ticket.subject}\n{ticket.description}", kind=kind,
        suggested_kind=ticket.suggested_kind, overridden=ticket.suggested_kind not in (None, kind),
    ))
