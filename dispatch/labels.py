"""Human labels for the fixed vocabularies, translated at render time."""

from __future__ import annotations

import sys
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

STATUS = {
    "new": _l("New"),
    "triaged": _l("Triaged"),
    "assigned": _l("Assigned"),
    "to_schedule": _l("To schedule"),
    "scheduled": _l("Scheduled"),
    "in_progress": _l("In progress"),
    "waiting": _l("Waiting on requester"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

KIND = {"remote": _l("Remote"), "onsite": _l("On-site"), None: _l("Not decided")}

LEVEL = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}

PRIORITY = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}

ROLE = {
    "employee": _l("Employee"),
    "agent": _l("Support agent"),
    "technician": _l("Field technician"),
    "dispatcher": _l("Dispatcher"),
    "admin": _l("Administrator"),
}

FIELD_TYPE = {
    "text": _l("Text"),
    "number": _l("Number"),
    "choice": _l("Choice"),
    "date": _l("Date"),
    "asset_tag": _l("Asset tag"),
}

ASSET_STATUS = {
    "in_use": _l("In use"),
    "in_repair": _l("In repair"),
    "spare": _l("Spare"),
    "retired": _l("Retired"),
}

ASSET_STATUS_BADGE = {
    "in_use": "success",
    "in_repair": "warning",
    "spare": "info",
    "retired": "dark",
}

MAINTENANCE_STATE = {
    "due": _l("due"),
    "planned": _l("planned"),
    "done": _l("done"),
    "overdue": _l("overdue"),
    "skipped": _l("skipped"),
}

MAINTENANCE_STATE_BADGE = {
    "due": "info",
    "planned": "primary",
    "done": "success",
    "overdue": "danger",
    "skipped": "secondary",
}

# Badge colours (Bootstrap contextual classes) so that a status reads at a glance.
STATUS_BADGE = {
    "new": "primary",
    "triaged": "info",
    "assigned": "info",
    "to_schedule": "warning",
    "scheduled": "info",
    "in_progress": "secondary",
    "waiting": "warning",
    "resolved": "success",
    "closed": "dark",
}

PRIORITY_BADGE = {"low": "light", "normal": "secondary", "high": "warning", "urgent": "danger"}

# Planning: a run's kind and state, a visit's state (the board, the plans list, my day).
RUN_KIND = {
    "plan": _l("plan"),
    "rerun": _l("re-run"),
    "replan": _l("re-plan"),
    "booking": _l("booked visit"),
}

RUN_STATUS = {
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("proposed"),
    "failed": _l("failed"),
    "published": _l("published"),
    "superseded": _l("superseded"),
}

VISIT_STATUS = {
    "planned": _l("planned"),
    "published": _l("planned"),
    "en_route": _l("on the way"),
    "arrived": _l("on site"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
}


def language_name(code: str) -> str:
    """A language by its own name ("English", "Română"), as a switcher shows it: whoever
    looks for their language recognises it, whatever the page's language. From Babel's CLDR
    data, so a new language needs no entry here."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def country_name(code: str) -> str:
    """A country in the reader's language ("Romania", "România"), from Babel's CLDR data."""
    from flask_babel import get_locale

    locale = get_locale() or Locale.parse("en")
    return f"{locale.territories.get(code, code)} ({code})"


class InLanguage:
    """This module as the templates read it, in one language: each vocabulary above a dict of
    plain text, translated once per language and process (a page of fifty tickets shows
    hundreds of badges, each one a look-up in the catalogue when the dicts hold lazy texts);
    everything else (the colours, the functions) as it is."""

    def __init__(self) -> None:
        module = sys.modules[__name__]
        self._module = module
        self._texts = {
            name: {key: str(text) for key, text in value.items()}
            for name, value in vars(module).items()
            if isinstance(value, dict) and any(isinstance(v, LazyString) for v in value.values())
        }

    def __getattr__(self, name: str) -> Any:
        texts = self._texts.get(name)
        return texts if texts is not None else getattr(self._module, name)


_in_language: dict[str, InLanguage] = {}


def in_language(language: str) -> InLanguage:
    """The labels in ``language``, which must be the current locale (they are translated by
    it the first time it is asked for)."""
    found = _in_language.get(language)
    if found is None:
        found = _in_language[language] = InLanguage()
    return found
