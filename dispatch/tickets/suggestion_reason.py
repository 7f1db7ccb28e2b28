"""A kind suggestion's reason as text, in the reader's language, from what was kept of it.

The suggestion keeps its facts (``basis``: the source, the kind, the category, the words …) on
the ticket and in its record, not a sentence: each reader gets the reason in their language,
the dispatcher's page and the ticket's history alike.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _

from dispatch import labels
from dispatch.translated import pick

REASON_MAX = 300  # Ticket.suggestion_reason


def _kind_label(kind: str) -> str:
    return str(labels.KIND.get(kind, kind))


def reason_text(source: str, basis: dict[str, Any]) -> str:
    """A suggestion's reason, in the current language, from what was kept of it."""
    kind = _kind_label(basis.get("kind") or "")
    if source == "category":
        text = _(
            "Requests in category %(c)s are usually %(k)s.",
            c=pick(basis.get("category_names"), basis["category"]),
            k=kind,
        )
    elif source == "keyword":
        text = _('Mentions "%(p)s": a keyword rule says %(k)s.', p=basis["phrase"], k=kind)
    elif source == "unsure":
        text = _(
            "Unsure: the best guess is %(k)s, at only %(p)s; the dispatcher decides.",
            k=kind,
            p=_percent(basis),
        )
    elif source == "classifier":
        text = _classifier_reason(basis, kind)
    elif basis.get("why") == "unavailable":
        text = _("No suggestion available; the dispatcher decides.")
    else:
        text = _("Nothing to go on; the dispatcher decides.")
    return text[:REASON_MAX]


def _classifier_reason(basis: dict[str, Any], kind: str) -> str:
    if basis["decisions"]:
        src = ngettext(
            "Learned from %(num)d past decision",
            "Learned from %(num)d past decisions",
            basis["decisions"],
        )
    else:
        src = ngettext(
            "Learned from %(num)d sample request",
            "Learned from %(num)d sample requests",
            basis["samples"],
        )
    if basis["words"]:
        # Each word in the reader's quotation marks ("…" in English, „…” in Romanian).
        words = ", ".join(_('"%(word)s"', word=t) for t in basis["words"])
        return _(
            "%(src)s: words like %(w)s point to %(k)s (%(p)s).",
            src=src,
            w=words,
            k=kind,
            p=_percent(basis),
        )
    return _("%(src)s: the wording points to %(k)s (%(p)s).", src=src, k=kind, p=_percent(basis))


def _percent(basis: dict[str, Any]) -> str:
    """The kept confidence (a whole percent) as the reader's language writes it: "86%",
    "86 %"."""
    return format_percent(basis["pct"] / 100)
