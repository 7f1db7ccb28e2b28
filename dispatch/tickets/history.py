"""The ticket's official record as human sentences ("Dana (dispatcher) set kind to On-site").

Events are written by many modules (tickets, desk, triage, mail …) and their data is free-form
JSON, so rendering must never fail: known types get a sentence, anything a formatter does not
understand falls back to "type: key=value". Sentences are built from parts (plain text or
links) and escaped by the template, never marked safe.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from flask import url_for
from flask_babel import gettext as _

from dispatch import labels
from dispatch.extensions import db
from dispatch.people.models import Group, User
from dispatch.tickets.access import can_see_internal
from dispatch.tickets.models import Attachment, Comment, Ticket, TicketEvent

MAX_VALUE = 300


@dataclass(frozen=True)
class Part:
    text: str
    href: str | None = None
    strong: bool = False


@dataclass
class Entry:
    at: datetime
    type: str
    parts: list[Part]
    details: list[tuple[str, list[Part]]] = field(default_factory=list)
    internal: bool = False
    comment: Comment | None = None
    attachments: list[Attachment] = field(default_factory=list)
    anchor: str = ""


class _Marks:
    """``M.who`` → a marker that survives gettext's %-formatting and is split out again, so
    translators see whole sentences while links stay links."""

    def __getattr__(self, name: str) -> str:
        return f"\x00{name}\x00"


M = _Marks()


def _fill(text: str, **values: Any) -> list[Part]:
    parts: list[Part] = []
    for i, piece in enumerate(text.split("\x00")):
        if i % 2:
            value = values.get(piece, piece)
            if isinstance(value, Part):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(_join(value))
            else:
                parts.append(Part(str(value)))
        elif piece:
            parts.append(Part(piece))
    return parts


def _join(items: list, sep: str = ", ") -> list[Part]:
    out: list[Part] = []
    for i, item in enumerate(items):
        if i:
            out.append(Part(sep))
        out.append(item if isinstance(item, Part) else Part(str(item)))
    return out


# --- values --------------------------------------------------------------------------------

USER_KEYS = {"assignee", "assignee_id", "user", "user_id", "technician", "technician_id",
             "agent", "agent_id", "by", "claimed_by", "old_assignee", "new_assignee"}
GROUP_KEYS = {"group", "group_id", "old_group", "new_group"}
TICKET_KEYS = {"ticket", "ticket_id", "tickets", "child", "parent", "into", "target", "source",
               "other", "merged", "merged_into", "from", "duplicate", "linked", "related"}


def person(user: User | None) -> str:
    """"Dana (dispatcher)", or the system for automatic events."""
    if user is None:
        return _("Dispatch (automatic)")
    return f"{user.name} ({str(labels.ROLE.get(user.role, user.role)).lower()})"


def _who(event: TicketEvent) -> Part:
    return Part(person(event.actor), strong=True)


def _ticket_ids(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str) and value.lstrip("#").isdigit():
        return [int(value.lstrip("#"))]
    if isinstance(value, dict) and "id" in value:
        return _ticket_ids(value["id"])
    if isinstance(value, (list, tuple)):
        return [i for v in value for i in _ticket_ids(v)]
    return []


def _ticket_links(value: Any) -> list[Part]:
    ids = _ticket_ids(value)
    if not ids:
        raise ValueError("no ticket reference")
    return [Part(f"#{i}", url_for("tickets.detail", id=i)) for i in ids]


def _user_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        user = db.session.get(User, value)
        return person(user) if user else f"#{value}"
    return _text(value)


def _group_name(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        group = db.session.get(Group, value)
        return group.name if group else f"#{value}"
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def _label(mapping: dict, value: Any) -> str:
    try:
        return str(mapping[value])
    except (KeyError, TypeError):
        return _text(value)


def value_parts(key: str, value: Any) -> list[Part]:
    """A value shown the way people read it: labels for vocabularies, names for ids."""
    k = key.lower()
    if k in TICKET_KEYS and _ticket_ids(value):
        return _ticket_links(value)
    if k in USER_KEYS:
        return [Part(_user_name(value))]
    if k in GROUP_KEYS:
        return [Part(_group_name(value))]
    if "kind" in k:
        return [Part(_label(labels.KIND, value))]
    if "status" in k:
        return [Part(_label(labels.STATUS, value))]
    if "priority" in k:
        return [Part(_label(labels.PRIORITY, value))]
    if k in ("impact", "urgency"):
        return [Part(_label(labels.LEVEL, value))]
    return [Part(_text(value))]


def _details(data: dict, used: set[str]) -> list[tuple[str, list[Part]]]:
    return [(str(k).replace("_", " "), value_parts(str(k), v))
            for k, v in data.items() if k not in used]


# --- one formatter per known type: (event, data) → (sentence parts, keys it used) -----------

Formatter = Callable[[TicketEvent, dict], tuple[list[Part], set[str]]]


def _channel(value: Any) -> str:
    names = {"web": _("the web form"), "mail": _("e-mail"), "email": _("e-mail"), "api": _("the API")}
    return names.get(value, _text(value))


def _created(ev, d):
    channel = d.get("channel")
    if channel and channel != "web":
        text = _("%(who)s submitted the request by %(channel)s", who=M.who, channel=M.channel)
    else:
        text = _("%(who)s submitted the request", who=M.who)
    return _fill(text, who=_who(ev), channel=_channel(channel)), {"channel", "subject", "site", "category"}


def _suggested(ev, d):
    if not d.get("kind"):
        return _fill(_("%(who)s made no suggestion for the kind", who=M.who), who=_who(ev)), {"kind", "confidence"}
    conf = d.get("confidence")
    pct = f" ({round(float(conf) * 100)} %)" if isinstance(conf, (int, float)) and not isinstance(conf, bool) else ""
    return (_fill(_("%(who)s suggested %(kind)s", who=M.who, kind=M.kind) + pct,
                  who=_who(ev), kind=_label(labels.KIND, d["kind"])), {"kind", "confidence"})


def _change(ev, d, label_map: dict | None, with_old: str, without_old: str, cleared: str,
            keys=("new",), hide=()) -> tuple[list[Part], set[str]]:
    """Events like {old, new}: "set X to B", "changed X from A to B", "cleared X"."""
    key = next((k for k in keys if k in d), None)
    if key is None:
        raise ValueError("no new value")
    show = (lambda v: _label(label_map, v)) if label_map is not None else _text
    used = {"old", key, *hide}
    if d[key] in (None, ""):
        return _fill(cleared, who=_who(ev), old=show(d.get("old"))), used
    values = dict(who=_who(ev), new=Part(show(d[key]), strong=True))
    if d.get("old") not in (None, ""):
        return _fill(with_old, old=show(d["old"]), **values), used
    return _fill(without_old, **values), used


def _status(ev, d):
    return _change(ev, d, labels.STATUS, keys=("new", "status"),
                   with_old=_("%(who)s changed the status from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new),
                   without_old=_("%(who)s set the status to %(new)s", who=M.who, new=M.new),
                   cleared=_("%(who)s cleared the status", who=M.who))


def _kind(ev, d):
    return _change(ev, d, labels.KIND, keys=("new", "kind"), hide=("suggested", "confidence"),
                   with_old=_("%(who)s changed kind from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new),
                   without_old=_("%(who)s set kind to %(new)s", who=M.who, new=M.new),
                   cleared=_("%(who)s cleared the kind", who=M.who))


def _priority(ev, d):
    return _change(ev, d, labels.PRIORITY, keys=("new", "priority"),
                   with_old=_("%(who)s changed priority from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new),
                   without_old=_("%(who)s set priority to %(new)s", who=M.who, new=M.new),
                   cleared=_("%(who)s cleared the priority", who=M.who))


def _category(ev, d):
    return _change(ev, d, None, keys=("new", "category"),
                   with_old=_("%(who)s changed the category from %(old)s to %(new)s", who=M.who, old=M.old,
                              new=M.new),
                   without_old=_("%(who)s set the category to %(new)s", who=M.who, new=M.new),
                   cleared=_("%(who)s removed the category %(old)s", who=M.who, old=M.old))


def _assigned(ev, d):
    new = d.get("new") if "new" in d else d.get("assignee_name", d.get("assignee"))
    used = {"old", "new", "assignee", "assignee_name", "group"}
    if new in (None, ""):
        return _fill(_("%(who)s removed the assignee", who=M.who), who=_who(ev)), used
    to = Part(_user_name(new), strong=True)
    if d.get("old") not in (None, ""):
        return (_fill(_("%(who)s reassigned the request from %(old)s to %(to)s", who=M.who, old=M.old, to=M.to),
                      who=_who(ev), old=_user_name(d["old"]), to=to), used)
    return _fill(_("%(who)s assigned the request to %(to)s", who=M.who, to=M.to), who=_who(ev), to=to), used


def _catalogued(ev, d):
    used = {"kind", "suggested", "override"}
    if d.get("kind"):
        return (_fill(_("%(who)s catalogued the request as %(kind)s", who=M.who, kind=M.kind), who=_who(ev),
                      kind=Part(_label(labels.KIND, d["kind"]), strong=True)), used)
    return _fill(_("%(who)s catalogued the request", who=M.who), who=_who(ev)), used


def _fields(ev, d):
    """{old: {...}, new: {...}} becomes one "key: old → new" detail per changed key."""
    old, new = d.get("old"), d.get("new")
    if not isinstance(new, dict):
        raise ValueError("not a field change")
    old = old if isinstance(old, dict) else {}
    parts = _fill(_("%(who)s changed details", who=M.who), who=_who(ev))
    extra = [(str(k).replace("_", " "), [Part(f"{_text(old.get(k))} → {_text(v)}")]) for k, v in new.items()]
    return parts, {"old", "new"}, extra


def _comment(ev, d):
    used = {"comment", "channel"}
    if ev.internal:
        return _fill(_("%(who)s added an internal note", who=M.who), who=_who(ev)), used
    if d.get("channel") in ("mail", "email"):
        return _fill(_("%(who)s replied by e-mail", who=M.who), who=_who(ev)), used
    return _fill(_("%(who)s commented", who=M.who), who=_who(ev)), used


def _attachments(ev, d):
    files = d.get("files") or []
    names = [_text(f) for f in (files if isinstance(files, list) else [files])]
    return _fill(_("%(who)s attached %(files)s", who=M.who, files=M.files), who=_who(ev),
                 files=[Part(n) for n in names]), {"files"}


def _ref(d: dict, keys: tuple[str, ...]) -> tuple[str, list[Part]]:
    key = next((k for k in keys if _ticket_ids(d.get(k))), None)
    if key is None:
        raise ValueError("no ticket reference")
    return key, _ticket_links(d[key])


def _ref_sentence(text_fn: Callable[[], str], keys: tuple[str, ...], hide=()) -> Formatter:
    def fmt(ev, d):
        key, links = _ref(d, keys)
        return _fill(text_fn(), who=_who(ev), ticket=links), {key, "old", *hide}

    return fmt


def _link(ev, d):
    """A parent/child link made or undone (desk: "part of a larger job")."""
    relation, new, old = d.get("relation"), d.get("new"), d.get("old")
    used = {"relation", "old", "new"}
    if relation == "parent":
        if _ticket_ids(new):
            return _fill(_("%(who)s made this request part of %(ticket)s", who=M.who, ticket=M.ticket),
                         who=_who(ev), ticket=_ticket_links(new)), used
        return _fill(_("%(who)s detached this request from %(ticket)s", who=M.who, ticket=M.ticket),
                     who=_who(ev), ticket=_ticket_links(old)), used
    if relation == "child":
        if _ticket_ids(new):
            return _fill(_("%(who)s added %(ticket)s as part of this request", who=M.who, ticket=M.ticket),
                         who=_who(ev), ticket=_ticket_links(new)), used
        return _fill(_("%(who)s detached %(ticket)s from this request", who=M.who, ticket=M.ticket),
                     who=_who(ev), ticket=_ticket_links(old)), used
    key, links = _ref(d, ("new", "other", "linked", "related", "target", "ticket_id"))
    return _fill(_("%(who)s linked this request with %(ticket)s", who=M.who, ticket=M.ticket),
                 who=_who(ev), ticket=links), {key, "old"}


FORMATTERS: dict[str, Formatter] = {
    "created": _created,
    "suggested": _suggested,
    "status": _status,
    "comment": _comment,
    "attachments": _attachments,
    "kind": _kind,
    "category": _category,
    "priority": _priority,
    "assigned": _assigned,
    "catalogued": _catalogued,
    "fields": _fields,
    "claimed": lambda ev, d: (_fill(_("%(who)s took the request", who=M.who), who=_who(ev)),
                              {"old", "new", "assignee"}),
    "link": _link,
    "child_added": _ref_sentence(lambda: _("%(who)s opened follow-up %(ticket)s", who=M.who, ticket=M.ticket),
                                 ("child", "new", "child_id")),
    "parent_set": _ref_sentence(lambda: _("%(who)s opened this as a follow-up of %(ticket)s", who=M.who,
                                          ticket=M.ticket), ("parent", "new", "parent_id")),
    # The duplicate's subject stays out: the target's requester may not see the duplicate.
    "merged": _ref_sentence(lambda: _("%(who)s merged %(ticket)s into this request", who=M.who, ticket=M.ticket),
                            ("new", "tickets", "source", "from", "merged", "source_id"), hide=("subject",)),
    "merged_into": _ref_sentence(lambda: _("%(who)s merged this request into %(ticket)s", who=M.who,
                                           ticket=M.ticket), ("new", "into", "target", "merged_into", "target_id")),
}


def generic(ev: TicketEvent, data: dict) -> list[Part]:
    """"type: key=value" for events nobody taught us to read."""
    pairs = ", ".join(f"{k}={_text(v)}" for k, v in data.items())
    return [_who(ev), Part(f" · {ev.type}" + (f": {pairs}" if pairs else ""))]


def describe(ev: TicketEvent) -> tuple[list[Part], list[tuple[str, list[Part]]]]:
    """The event as a sentence plus the details the sentence did not mention."""
    data = ev.data if isinstance(ev.data, dict) else {"value": ev.data}
    fmt = FORMATTERS.get(ev.type)
    if fmt is not None:
        try:
            parts, used, *extra = fmt(ev, data)
            return parts, (extra[0] if extra else []) + _details(data, used)
        except Exception:  # free-form data we did not expect: show it raw rather than fail
            pass
    try:
        return generic(ev, data), []
    except Exception:
        return [Part(str(ev.type))], []


def timeline(ticket: Ticket, viewer: User) -> list[Entry]:
    """Events and comments, oldest first; internal ones only for staff, and marked."""
    staff = can_see_internal(viewer)
    comments = {c.id: c for c in ticket.comments}
    files: dict[int, list[Attachment]] = {}
    for att in ticket.attachments:
        if att.comment_id is not None:
            files.setdefault(att.comment_id, []).append(att)
    entries: list[Entry] = []
    shown: set[int] = set()
    for ev in ticket.events:
        cid = ev.data.get("comment") if ev.type == "comment" and isinstance(ev.data, dict) else None
        comment = comments.get(cid) if isinstance(cid, int) and cid not in shown else None
        internal = bool(ev.internal or (comment is not None and comment.internal))
        if internal and not staff:
            continue
        parts, details = describe(ev)
        entry = Entry(at=ev.created_at, type=ev.type, parts=parts, details=details,
                      internal=internal, anchor=f"e{ev.id}")
        if comment is not None:
            shown.add(comment.id)
            entry.comment, entry.anchor = comment, f"c{comment.id}"
            entry.attachments = files.get(comment.id, [])
        entries.append(entry)
    for comment in comments.values():  # a comment written without its event still shows
        if comment.id in shown or (comment.internal and not staff):
            continue
        entries.append(Entry(at=comment.created_at, type="comment",
                             parts=[Part(person(comment.author), strong=True)],
                             internal=comment.internal, comment=comment,
                             attachments=files.get(comment.id, []), anchor=f"c{comment.id}"))
    entries.sort(key=lambda e: e.at)  # stable: events keep their recorded order
    return entries


def visible_attachments(ticket: Ticket, viewer: User) -> list[Attachment]:
    """The ticket's files the viewer may open: files of internal notes are for staff."""
    if can_see_internal(viewer):
        return list(ticket.attachments)
    return [a for a in ticket.attachments if a.comment is None or not a.comment.internal]
