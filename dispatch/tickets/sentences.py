"""Building blocks of the history's sentences: parts (text or link) and readable values.

Sentences are translated whole, with markers where a name or a link goes (see ``M``), then cut
into parts that the template escapes; nothing here is ever marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dispatch import labels
from dispatch.extensions import db
from dispatch.people.models import Group, User
from dispatch.tickets.models import TicketEvent

MAX_VALUE = 300


@dataclass(frozen=True)
class Part:
    text: str
    href: str | None = None
    strong: bool = False


class _Marks:
    """``M.who`` → a marker that survives gettext's %-formatting and is split out again, so
    translators see whole sentences while links stay links."""

    def __getattr__(self, name: str) -> str:
        return f"\x00{name}\x00"


M = _Marks()


def fill(text: str, **values: Any) -> list[Part]:
    parts: list[Part] = []
    for i, piece in enumerate(text.split("\x00")):
        if i % 2:
            value = values.get(piece, piece)
            if isinstance(value, Part):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(join_parts(value))
            else:
                parts.append(Part(str(value)))
        elif piece:
            parts.append(Part(piece))
    return parts


def join_parts(items: list, sep: str = ", ") -> list[Part]:
    out: list[Part] = []
    for i, item in enumerate(items):
        if i:
            out.append(Part(sep))
        out.append(item if isinstance(item, Part) else Part(str(item)))
    return out


# --- values --------------------------------------------------------------------------------

USER_KEYS = {
    "assignee",
    "assignee_id",
    "user",
    "user_id",
    "technician",
    "technician_id",
    "agent",
    "agent_id",
    "by",
    "claimed_by",
    "old_assignee",
    "new_assignee",
}
GROUP_KEYS = {"group", "group_id", "old_group", "new_group"}
TICKET_KEYS = {
    "ticket",
    "ticket_id",
    "tickets",
    "child",
    "parent",
    "into",
    "target",
    "source",
    "other",
    "merged",
    "merged_into",
    "from",
    "duplicate",
    "linked",
    "related",
}


def person(user: User | None) -> str:
    """ "Dana (dispatcher)", or the system for automatic events."""
    if user is None:
        return _("Dispatch (automatic)")
    return f"{user.name} ({str(labels.ROLE.get(user.role, user.role)).lower()})"


def who_part(event: TicketEvent) -> Part:
    return Part(person(event.actor), strong=True)


def ticket_ids(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and value.lstrip("#").isdigit():
        return [int(value.lstrip("#"))]
    if isinstance(value, dict) and "id" in value:
        return ticket_ids(value["id"])
    if isinstance(value, (list, tuple)):
        return [i for v in value for i in ticket_ids(v)]
    return []


def ticket_links(value: Any) -> list[Part]:
    ids = ticket_ids(value)
    if not ids:
        raise ValueError("no ticket reference")
    return [Part(f"#{i}", url_for("tickets.detail", id=i)) for i in ids]


def user_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        user = db.session.get(User, value)
        return person(user) if user else f"#{value}"
    return plain_text(value)


def group_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        group = db.session.get(Group, value)
        return group.name if group else f"#{value}"
    return plain_text(value)


def plain_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_text(v) for v in value) or "—"  # an empty list reads as "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={plain_text(v)}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def vocab_label(mapping: dict, value: Any) -> str:
    try:
        return str(mapping[value])
    except (KeyError, TypeError):
        return plain_text(value)


#: The reasons the app itself records for a change of status, said in the reader's language
#: (the record keeps the English words, as it always has).
SYSTEM_REASONS = {
    "plan published": _l("plan published"),
    "visit booked": _l("visit booked"),
    "re-planned": _l("re-planned"),
    "technician arrived": _l("technician arrived"),
    "visit done": _l("visit done"),
    "merged": _l("merged"),
    "replied by mail": _l("replied by mail"),
    "requester replied": _l("requester replied"),
}


def value_parts(key: str, value: Any) -> list[Part]:
    """A value shown the way people read it: labels for vocabularies, names for ids."""
    k = key.lower()
    if k == "reason" and isinstance(value, str) and value in SYSTEM_REASONS:
        return [Part(str(SYSTEM_REASONS[value]))]
    if k in TICKET_KEYS and ticket_ids(value):
        return ticket_links(value)
    if k in USER_KEYS:
        return [Part(user_name(value))]
    if k in GROUP_KEYS:
        return [Part(group_name(value))]
    if "kind" in k:
        return [Part(vocab_label(labels.KIND, value))]
    if "status" in k:
        return [Part(vocab_label(labels.STATUS, value))]
    if "priority" in k:
        return [Part(vocab_label(labels.PRIORITY, value))]
    if k in ("impact", "urgency"):
        return [Part(vocab_label(labels.LEVEL, value))]
    return [Part(plain_text(value))]


def details(data: dict, used: set[str]) -> list[tuple[str, list[Part]]]:
    """What a sentence left out, as "label: value"; the record's keys that readers meet most
    are named in their language, any other key as it is."""
    names = {"reason": _("Reason")}
    return [
        (names.get(k) or str(k).replace("_", " "), value_parts(str(k), v))
        for k, v in data.items()
        if k not in used
    ]
