"""The official record's events as human sentences ("Dana (dispatcher) set kind to On-site").

Events are written by many modules (tickets, desk, triage, mail …) and their data is free-form
JSON, so this must never fail: known types get a sentence, and anything a formatter does not
understand falls back to "type: key=value".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import g
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _

from dispatch import labels
from dispatch.extensions import db
from dispatch.tickets.models import Category, TicketEvent
from dispatch.tickets.sentences import (
    M,
    Part,
    details,
    fill,
    plain_text,
    ticket_ids,
    ticket_links,
    user_name,
    vocab_label,
    who_part,
)
from dispatch.tickets.suggestion_reason import reason_text
from dispatch.web import local_time

# --- one formatter per known type: (event, data) → (sentence parts, keys it used) -----------

Formatter = Callable[[TicketEvent, dict], tuple[list[Part], set[str]]]


def _channel(value: Any) -> str:
    names = {
        "web": _("the web form"),
        "mail": _("e-mail"),
        "email": _("e-mail"),
        "api": _("the API"),
        "plan": _("a maintenance plan"),
    }
    return names.get(value, plain_text(value))


def _created(ev, d):
    channel = d.get("channel")
    if channel and channel != "web":
        text = _("%(who)s submitted the request by %(channel)s", who=M.who, channel=M.channel)
    else:
        text = _("%(who)s submitted the request", who=M.who)
    return fill(text, who=who_part(ev), channel=_channel(channel)), {
        "channel",
        "subject",
        "site",
        "category",
    }


def _suggested(ev, d):
    if not d.get("kind"):
        return (
            fill(_("%(who)s made no suggestion for the kind", who=M.who), who=who_part(ev)),
            {"kind", "confidence", *_reason_keys(d)},
            _reason(d),
        )
    conf = d.get("confidence")
    if isinstance(conf, (int, float)) and not isinstance(conf, bool):
        text = _(
            "%(who)s suggested %(kind)s (%(pct)s)",
            who=M.who,
            kind=M.kind,
            pct=format_percent(round(float(conf), 2)),
        )
    else:
        text = _("%(who)s suggested %(kind)s", who=M.who, kind=M.kind)
    return (
        fill(
            text,
            who=who_part(ev),
            kind=vocab_label(labels.KIND, d["kind"]),
        ),
        {"kind", "confidence", "source", *_reason_keys(d)},
        _reason(d),
    )


def _reason_keys(d: dict) -> set[str]:
    # A suggestion recorded with its facts (basis) says its reason in the reader's language;
    # an older one kept the sentence of its moment, shown as it is (an ordinary detail).
    return {"basis", "reason"} if isinstance(d.get("basis"), dict) else set()


def _reason(d: dict) -> list[tuple[str, list[Part]]]:
    basis = d.get("basis")
    if not isinstance(basis, dict):
        return []
    return [(_("Reason"), [Part(reason_text(str(basis.get("source", "")), basis))])]


def _change(
    ev,
    d,
    label_map: dict | None,
    with_old: str,
    without_old: str,
    cleared: str,
    keys=("new",),
    hide=(),
) -> tuple[list[Part], set[str]]:
    """Events like {old, new}: "set X to B", "changed X from A to B", "cleared X"."""
    key = next((k for k in keys if k in d), None)
    if key is None:
        raise ValueError("no new value")
    show = (lambda v: vocab_label(label_map, v)) if label_map is not None else plain_text
    used = {"old", key, *hide}
    if d[key] in (None, ""):
        return fill(cleared, who=who_part(ev), old=show(d.get("old"))), used
    values = dict(who=who_part(ev), new=Part(show(d[key]), strong=True))
    if d.get("old") not in (None, ""):
        return fill(with_old, old=show(d["old"]), **values), used
    return fill(without_old, **values), used


def _status(ev, d):
    # "plan" is the planning run's internal id: nothing a reader of the record can use.
    return _change(
        ev,
        d,
        labels.STATUS,
        keys=("new", "status"),
        hide=("plan",),
        with_old=_(
            "%(who)s changed the status from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new
        ),
        without_old=_("%(who)s set the status to %(new)s", who=M.who, new=M.new),
        cleared=_("%(who)s cleared the status", who=M.who),
    )


def _kind(ev, d):
    return _change(
        ev,
        d,
        labels.KIND,
        keys=("new", "kind"),
        hide=("suggested", "confidence"),
        with_old=_("%(who)s changed kind from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new),
        without_old=_("%(who)s set kind to %(new)s", who=M.who, new=M.new),
        cleared=_("%(who)s cleared the kind", who=M.who),
    )


def _priority(ev, d):
    return _change(
        ev,
        d,
        labels.PRIORITY,
        keys=("new", "priority"),
        with_old=_(
            "%(who)s changed priority from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new
        ),
        without_old=_("%(who)s set priority to %(new)s", who=M.who, new=M.new),
        cleared=_("%(who)s cleared the priority", who=M.who),
    )


def _category_names() -> dict[str, str]:
    """Each category's stored name → its name in the reader's language. The record keeps the
    stored name (the one the change was made under); the few categories are read once per
    request and language (mail to several people is written in each one's language)."""
    cache = g.setdefault("category_names", {})
    language = str(get_locale())
    if language not in cache:
        cache[language] = {c.name: str(c) for c in db.session.scalars(db.select(Category))}
    return cache[language]


def _category(ev, d):
    return _change(
        ev,
        d,
        _category_names(),
        keys=("new", "category"),
        with_old=_(
            "%(who)s changed the category from %(old)s to %(new)s", who=M.who, old=M.old, new=M.new
        ),
        without_old=_("%(who)s set the category to %(new)s", who=M.who, new=M.new),
        cleared=_("%(who)s removed the category %(old)s", who=M.who, old=M.old),
    )


def _assigned(ev, d):
    new = d.get("new") if "new" in d else d.get("assignee_name", d.get("assignee"))
    used = {"old", "new", "assignee", "assignee_name", "group"}
    if new in (None, ""):
        return fill(_("%(who)s removed the assignee", who=M.who), who=who_part(ev)), used
    to = Part(user_name(new), strong=True)
    if d.get("old") not in (None, ""):
        return (
            fill(
                _(
                    "%(who)s reassigned the request from %(old)s to %(to)s",
                    who=M.who,
                    old=M.old,
                    to=M.to,
                ),
                who=who_part(ev),
                old=user_name(d["old"]),
                to=to,
            ),
            used,
        )
    return fill(
        _("%(who)s assigned the request to %(to)s", who=M.who, to=M.to), who=who_part(ev), to=to
    ), used


def _catalogued(ev, d):
    used = {"kind", "suggested", "override"}
    if d.get("kind"):
        return (
            fill(
                _("%(who)s catalogued the request as %(kind)s", who=M.who, kind=M.kind),
                who=who_part(ev),
                kind=Part(vocab_label(labels.KIND, d["kind"]), strong=True),
            ),
            used,
        )
    return fill(_("%(who)s catalogued the request", who=M.who), who=who_part(ev)), used


def _fields(ev, d):
    """{old: {...}, new: {...}} becomes one "key: old → new" detail per changed key."""
    old, new = d.get("old"), d.get("new")
    if not isinstance(new, dict):
        raise ValueError("not a field change")
    old = old if isinstance(old, dict) else {}
    parts = fill(_("%(who)s changed details", who=M.who), who=who_part(ev))
    shown = lambda value: plain_text(value) or "—"  # noqa: E731 (an emptied value reads "—")
    extra = [
        (str(k).replace("_", " "), [Part(f"{shown(old.get(k))} → {shown(v)}")])
        for k, v in new.items()
    ]
    return parts, {"old", "new"}, extra


def _comment(ev, d):
    used = {"comment", "channel"}
    if ev.internal:
        return fill(_("%(who)s added an internal note", who=M.who), who=who_part(ev)), used
    if d.get("channel") in ("mail", "email"):
        return fill(_("%(who)s replied by e-mail", who=M.who), who=who_part(ev)), used
    return fill(_("%(who)s commented", who=M.who), who=who_part(ev)), used


def _attachments(ev, d):
    files = d.get("files") or []
    names = [plain_text(f) for f in (files if isinstance(files, list) else [files])]
    return fill(
        _("%(who)s attached %(files)s", who=M.who, files=M.files),
        who=who_part(ev),
        files=[Part(n) for n in names],
    ), {"files"}


def _ref(d: dict, keys: tuple[str, ...]) -> tuple[str, list[Part]]:
    key = next((k for k in keys if ticket_ids(d.get(k))), None)
    if key is None:
        raise ValueError("no ticket reference")
    return key, ticket_links(d[key])


def _ref_sentence(text_fn: Callable[[], str], keys: tuple[str, ...], hide=()) -> Formatter:
    def fmt(ev, d):
        key, links = _ref(d, keys)
        return fill(text_fn(), who=who_part(ev), ticket=links), {key, "old", *hide}

    return fmt


def _link(ev, d):
    """A parent/child link made or undone (desk: "part of a larger job")."""
    relation, new, old = d.get("relation"), d.get("new"), d.get("old")
    used = {"relation", "old", "new"}
    if relation == "parent":
        if ticket_ids(new):
            return fill(
                _("%(who)s made this request part of %(ticket)s", who=M.who, ticket=M.ticket),
                who=who_part(ev),
                ticket=ticket_links(new),
            ), used
        return fill(
            _("%(who)s detached this request from %(ticket)s", who=M.who, ticket=M.ticket),
            who=who_part(ev),
            ticket=ticket_links(old),
        ), used
    if relation == "child":
        if ticket_ids(new):
            return fill(
                _("%(who)s added %(ticket)s as part of this request", who=M.who, ticket=M.ticket),
                who=who_part(ev),
                ticket=ticket_links(new),
            ), used
        return fill(
            _("%(who)s detached %(ticket)s from this request", who=M.who, ticket=M.ticket),
            who=who_part(ev),
            ticket=ticket_links(old),
        ), used
    key, links = _ref(d, ("new", "other", "linked", "related", "target", "ticket_id"))
    return fill(
        _("%(who)s linked this request with %(ticket)s", who=M.who, ticket=M.ticket),
        who=who_part(ev),
        ticket=links,
    ), {key, "old"}


def _when(ev: TicketEvent, value: Any) -> str:
    """A stored ISO time in the ticket's site zone: the record reads like the technician's day."""
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    site = ev.ticket.site if ev.ticket is not None else None
    return local_time(moment, site.timezone if site is not None else None)


def _visit(ev, d):
    """Visits planned, cancelled and lived by the technician (planning, my day)."""
    status, who = d.get("status"), who_part(ev)
    if status == "scheduled":
        start = _when(ev, d["start"])
        end = _when(ev, d["end"])[-5:] if d.get("end") else ""
        return (
            fill(
                _(
                    "%(who)s scheduled a visit by %(tech)s on %(when)s",
                    who=M.who,
                    tech=M.tech,
                    when=M.when,
                ),
                who=who,
                tech=Part(plain_text(d.get("technician")), strong=True),
                when=Part(f"{start}–{end}" if end else start, strong=True),
            ),
            {"status", "plan", "technician", "start", "end"},
        )
    texts = {
        "cancelled": lambda: _("%(who)s cancelled the planned visit", who=M.who),
        "en_route": lambda: _("%(who)s is on the way", who=M.who),
        "arrived": lambda: _("%(who)s arrived on site", who=M.who),
        "in_progress": lambda: _("%(who)s arrived on site", who=M.who),
        "done": lambda: _("%(who)s finished the visit", who=M.who),
        "resolved": lambda: _("%(who)s finished the visit", who=M.who),
    }
    if status not in texts:
        raise ValueError("unknown visit status")
    parts = fill(texts[status](), who=who)
    if d.get("time_spent_min"):
        parts.append(Part(" " + _("(%(n)d min of work)", n=int(d["time_spent_min"]))))
    used = {"status", "plan", "visit", "time_spent_min"}
    return parts, used | ({"notes"} if not d.get("notes") else set())


def _service_level(ev, d):
    """The policy that applies changed (a new priority, category …): targets counted again
    from the ticket's start."""
    due = _(
        "first response by %(fr)s, resolution by %(res)s",
        fr=_moment(ev, d.get("first_response_due")),
        res=_moment(ev, d.get("resolution_due")) or "—",
    )
    if d.get("new") is None:
        text = _("No service level applies any more (was %(old)s)", old=M.old)
    elif d.get("old") is None:
        text = _("Service level %(new)s applies: %(due)s", new=M.new, due=M.due)
    else:
        text = _("Service level %(new)s replaces %(old)s: %(due)s", new=M.new, old=M.old, due=M.due)
    parts = fill(
        text,
        new=Part(plain_text(d.get("new")), strong=True),
        old=plain_text(d.get("old")),
        due=due,
    )
    return parts, {"new", "old", "first_response_due", "resolution_due"}


def _moment(ev: TicketEvent, value: Any) -> str:
    """A due time of the record in the site's time, as the history's other times are."""
    if not isinstance(value, str):
        return ""
    site = ev.ticket.site if ev.ticket is not None else None
    return local_time(
        datetime.fromisoformat(value).astimezone(UTC), site.timezone if site else None
    )


FORMATTERS: dict[str, Formatter] = {
    "sla": _service_level,
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
    "claimed": lambda ev, d: (
        fill(_("%(who)s took the request", who=M.who), who=who_part(ev)),
        {"old", "new", "assignee"},
    ),
    "link": _link,
    "visit": _visit,
    "asset": lambda ev, d: (
        fill(
            _("%(who)s linked the device %(tag)s", who=M.who, tag=M.tag),
            who=who_part(ev),
            tag=[Part(plain_text(d.get("tag")), strong=True)],
        ),
        {"tag"},
    ),
    "maintenance_skipped": lambda ev, d: (
        fill(
            _("%(who)s skipped this maintenance visit: %(reason)s", who=M.who, reason=M.reason),
            who=who_part(ev),
            reason=plain_text(d.get("reason")),
        ),
        {"reason"},
    ),
    "checklist": lambda ev, d: (
        fill(
            _("%(who)s ticked %(n)s of the checklist", who=M.who, n=M.n),
            who=who_part(ev),
            n=f"{len(d.get('done') or [])}/{len(d.get('done') or []) + len(d.get('left') or [])}",
        ),
        set(),
    ),
    "child_added": _ref_sentence(
        lambda: _("%(who)s opened follow-up %(ticket)s", who=M.who, ticket=M.ticket),
        ("child", "new", "child_id"),
    ),
    "parent_set": _ref_sentence(
        lambda: _("%(who)s opened this as a follow-up of %(ticket)s", who=M.who, ticket=M.ticket),
        ("parent", "new", "parent_id"),
    ),
    # The duplicate's subject stays out: the target's requester may not see the duplicate.
    "merged": _ref_sentence(
        lambda: _("%(who)s merged %(ticket)s into this request", who=M.who, ticket=M.ticket),
        ("new", "tickets", "source", "from", "merged", "source_id"),
        hide=("subject",),
    ),
    "merged_into": _ref_sentence(
        lambda: _("%(who)s merged this request into %(ticket)s", who=M.who, ticket=M.ticket),
        ("new", "into", "target", "merged_into", "target_id"),
    ),
}


def generic(ev: TicketEvent, data: dict) -> list[Part]:
    """ "type: key=value" for events nobody taught us to read."""
    pairs = ", ".join(f"{k}={plain_text(v)}" for k, v in data.items())
    return [who_part(ev), Part(f" · {ev.type}" + (f": {pairs}" if pairs else ""))]


def describe(ev: TicketEvent) -> tuple[list[Part], list[tuple[str, list[Part]]]]:
    """The event as a sentence plus the details the sentence did not mention."""
    data = ev.data if isinstance(ev.data, dict) else {"value": ev.data}
    fmt = FORMATTERS.get(ev.type)
    if fmt is not None:
        try:
            parts, used, *extra = fmt(ev, data)
            return parts, (extra[0] if extra else []) + details(data, used)
        except Exception:  # free-form data we did not expect: show it raw rather than fail
            pass
    try:
        return generic(ev, data), []
    except Exception:
        return [Part(str(ev.type))], []
