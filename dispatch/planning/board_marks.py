"""What the board says about a visit beyond its time and technician: the visit it comes after
(a follow-up after its parent's), how late it ends against its ticket's due time, and the
technician it preferred when the plan gave it to someone else.

All of it comes from what the board has already loaded (the visits with their tickets, the
shifts, the run's result): one pass over the visits, no query per visit. Lateness is derived
from the visit's planned end and its ticket's due time as the page is drawn, so that it stays
true after a visit is moved by hand (the engine's own per-job lateness is only true of the
plan as it answered it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sla.display import Durations

from . import problem as builder
from .models import Visit


@dataclass
class Marks:
    """One visit's marks; a visit with none has no entry."""

    after: dict[str, Any] | None = None  # the visit it comes after: its id, "after #12"
    late: str = ""  # "42 min past its resolution target"
    preferred: str = ""  # "preferred Ana (no shift that day), not met"
    title: str = ""  # all of them, for the timeline block's tooltip: " · after #12 · …"
    badges: Markup = Markup("")  # all of them, as the list's row shows them


class Words(Durations):
    """The marks' sentences, each translated once per page (a day has hundreds of visits; a
    translation looked up per visit was most of the marks' cost). ``_`` without arguments
    gives the translated pattern, filled in here."""

    def __init__(self) -> None:
        super().__init__()
        self.resolution = _("%(late)s past its resolution target")
        self.due = _("%(late)s past its due date")
        self.after = _("after %(n)s")
        self.off = _("preferred %(who)s (no shift that day), not met")
        self.device = _("preferred %(who)s (last visited the device), not met")
        self.unmet = _("preferred %(who)s, not met")


def late_text(visit: Visit, words: Words) -> str:
    """How long after its ticket's due time the visit ends, or "" when on time (or no due
    time). The due time is the engine's soft deadline (:func:`problem.deadline`)."""
    ticket = visit.ticket
    due = builder.deadline(ticket)
    if due is None or visit.planned_end is None or visit.planned_end <= due:
        return ""
    late = words.say(math.ceil((visit.planned_end - due).total_seconds() / 60))
    pattern = words.resolution if due == ticket.sla_resolution_due else words.due
    return pattern % {"late": late}


def _names(ids: Iterable[int], known: dict[int, str]) -> dict[int, str]:
    """``known`` and the names of the other technicians of ``ids``, in one query."""
    missing = set(ids) - set(known)
    if not missing:
        return known
    rows = db.session.execute(db.select(User.id, User.name).where(User.id.in_(missing)))
    return {**known, **{uid: name for uid, name in rows}}


def of_visits(
    visits: list[Visit],
    preferred: dict[str, dict[str, Any]],
    working: set[tuple[int, str]],
    names: dict[int, str],
) -> dict[int, Marks]:
    """Visit id → its marks. ``preferred`` is the run's record of each ticket's preferred
    technicians (``result["preferred"]``), ``working`` the (technician, day) pairs with a
    shift, ``names`` the technicians' names the board already knows."""
    by_ticket = {v.ticket_id: v for v in visits}
    out: dict[int, Marks] = {}
    unmet: list[tuple[Visit, dict[str, Any]]] = []
    words = Words()
    for visit in visits:
        ticket = visit.ticket
        parent = by_ticket.get(ticket.parent_id) if ticket.parent_id else None
        late = late_text(visit, words)
        wish = preferred.get(str(visit.ticket_id)) if preferred else None
        if wish and visit.technician_id not in wish["ids"]:
            unmet.append((visit, wish))
        if parent is not None or late:
            out[visit.id] = Marks(
                after={"visit": parent.id, "text": words.after % {"n": parent.ticket.number}}
                if parent
                else None,
                late=late,
            )
    if unmet:
        names = _names({t for _v, wish in unmet for t in wish["ids"]}, names)
    for visit, wish in unmet:
        day = visit.day.isoformat()
        who = ", ".join(names.get(t, f"#{t}") for t in wish["ids"])
        if not any((t, day) in working for t in wish["ids"]):
            pattern = words.off
        elif wish.get("by") == "device":
            pattern = words.device
        else:
            pattern = words.unmet
        out.setdefault(visit.id, Marks()).preferred = pattern % {"who": who}
    for marks in out.values():
        said = (marks.after["text"] if marks.after else "", marks.late, marks.preferred)
        marks.title = "".join(f" · {text}" for text in said if text)
        marks.badges = _badges(marks)
    return out


def _badges(marks: Marks) -> Markup:
    """The list row's marks, drawn here rather than in the template: a day may have hundreds
    of marked visits, and each piece of a template costs its share again per visit. Every
    text is escaped."""
    html = '<div class="visit-marks">'
    if marks.after:
        first = int(marks.after["visit"])
        html += (
            f'<a class="badge text-bg-info text-decoration-none" href="#visit-{first}"'
            f' data-after-mark="{first}">{escape(marks.after["text"])}</a> '
        )
    if marks.late:
        html += (
            f'<span class="badge text-bg-danger text-wrap" data-late>{escape(marks.late)}</span> '
        )
    if marks.preferred:
        html += (
            '<span class="badge text-bg-warning text-wrap" data-preferred>'
            f"{escape(marks.preferred)}</span>"
        )
    return Markup(html + "</div>")
