"""The record of administration as the admin page and its CSV export show it: filters,
the query, and each event told as a sentence."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from dispatch.audit.models import AdminEvent
from dispatch.audit.record import ACTIONS
from dispatch.collation import fold, folded
from dispatch.desk.queries import safe_cell
from dispatch.extensions import db
from dispatch.patterns import contains

EVENTS_PER_PAGE = 50
EXPORT_MAX_ROWS = 50_000
#: The kinds of things the record names, as the filter offers them.
TARGET_TYPES = {
    "user": _l("user"),
    "api_token": _l("API token"),
    "department": _l("department"),
    "skill": _l("skill"),
    "agent_group": _l("group"),
    "category": _l("category"),
    "category_field": _l("category field"),
    "asset_type": _l("asset type"),
    "asset_type_field": _l("asset type field"),
    "asset": _l("asset"),
    "site": _l("site"),
    "mail_template": _l("mail template"),
    "mail_message": _l("mail message"),
    "sla_policy": _l("service level"),
    "closure_day": _l("closure day"),
    "report_settings": _l("report settings"),
    "site_manager": _l("site manager"),
}
ACTION_LABELS = {
    "created": _l("created"),
    "changed": _l("changed"),
    "deleted": _l("deleted"),
    "reset": _l("reset to the built-in text"),
    "password_changed": _l("password changed"),
    "released": _l("released"),
    "discarded": _l("discarded"),
}
assert set(ACTION_LABELS) == set(ACTIONS)
# The columns' headers, in the exporting person's language (the cells keep machine formats: ISO
# times, action keys, JSON), as the inbox's export does.
CSV_COLUMNS = (
    _l("When (UTC)"),
    _l("Who"),
    _l("Action"),
    _l("Kind"),
    _l("Id"),
    _l("Name"),
    _l("Before"),
    _l("After"),
    _l("What happened"),
)


@dataclass
class Filters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict[str, str]:
        """The filters as query-string arguments (for pagination and the export link)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def parse_filters(args) -> tuple[Filters, list[str]]:
    """The filters from the page's query string, and what was wrong with them (a wrong one is
    left out, and the page says so)."""
    errors: list[str] = []
    filters = Filters(actor=(args.get("actor") or "").strip()[:100])
    action = args.get("action") or ""
    if action and action not in ACTIONS:
        errors.append(_("Unknown action “%(a)s”.", a=action[:40]))
    else:
        filters.action = action
    target_type = args.get("target_type") or ""
    if target_type and target_type not in TARGET_TYPES:
        errors.append(_("Unknown kind of target “%(t)s”.", t=target_type[:40]))
    else:
        filters.target_type = target_type
    for name, label in (("date_from", _("From")), ("date_to", _("To"))):
        text = (args.get(name) or "").strip()
        if not text:
            continue
        try:
            setattr(filters, name, date.fromisoformat(text[:10]))
        except ValueError:
            errors.append(_("%(field)s: not a date (use YYYY-MM-DD).", field=label))
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors.append(_("The end date is before the start date."))
        filters.date_to = None
    return filters, errors


def events_query(filters: Filters, tz: str | None) -> Select:
    """The events the filters select, newest first; dates are whole days in zone ``tz``."""
    query = select(AdminEvent).order_by(AdminEvent.created_at.desc(), AdminEvent.id.desc())
    if filters.actor:
        query = query.where(
            folded(AdminEvent.actor_name).like(contains(fold(filters.actor)), escape="\\")
        )
    if filters.action:
        query = query.where(AdminEvent.action == filters.action)
    if filters.target_type:
        query = query.where(AdminEvent.target_type == filters.target_type)
    zone = ZoneInfo(tz or "UTC")
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), zone)
        query = query.where(AdminEvent.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), zone)
        query = query.where(AdminEvent.created_at < end)
    return query


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"


def describe(event: AdminEvent) -> str:
    """The event as one sentence, e.g. “Ana <ana@x> changed user “bob@x”: role: agent → admin”."""
    values = {
        "actor": event.actor_name,
        "kind": TARGET_TYPES.get(event.target_type, event.target_type),
        "name": event.target_name or f"#{event.target_id}",
    }
    if event.action == "created":
        return _("%(actor)s created %(kind)s “%(name)s”.", **values)
    if event.action == "deleted":
        return _("%(actor)s deleted %(kind)s “%(name)s”.", **values)
    if event.action == "reset":
        return _("%(actor)s reset %(kind)s “%(name)s” to its built-in text.", **values)
    if event.action == "password_changed":
        return _("%(actor)s changed the password of %(kind)s “%(name)s”.", **values)
    if event.action == "released":
        return _("%(actor)s released %(kind)s “%(name)s”.", **values)
    if event.action == "discarded":
        return _("%(actor)s discarded %(kind)s “%(name)s”.", **values)
    before, after = event.before or {}, event.after or {}
    parts = [
        f"{key}: {_value(before.get(key))} → {_value(after.get(key))}"
        for key in dict.fromkeys([*before, *after])
    ]
    return _(
        "%(actor)s changed %(kind)s “%(name)s”: %(changes)s.", changes="; ".join(parts), **values
    )


def export_csv(query: Select) -> str:
    """The selected events as CSV text (at most EXPORT_MAX_ROWS), every cell safe to open in a
    spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in CSV_COLUMNS])
    for event in db.session.scalars(query.limit(EXPORT_MAX_ROWS)):
        row = [
            event.created_at.isoformat(),
            event.actor_name,
            event.action,
            event.target_type,
            event.target_id,
            event.target_name,
            json.dumps(event.before, ensure_ascii=False) if event.before is not None else None,
            json.dumps(event.after, ensure_ascii=False) if event.after is not None else None,
            describe(event),
        ]
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
