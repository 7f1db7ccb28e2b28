"""Texts kept as data and said in the language of whoever reads them.

A notification or a planning run's message is written once and read later, by people who read
different languages. It is kept as its catalogue text (the English msgid) and its values —
``said("A technician visit for %(n)s is planned on %(d)s.", n="#12", d=day(visit.day))`` —
and ``render`` translates it when it is shown. A value may itself be a text said this way, a
date (``day``), a moment (``moment``) or a routing engine's reason (``engine``: the engine
writes English, and the planning layer passes ``render`` the function that translates it),
formatted for the reader too. A list is several sentences. A plain string (what rows written
before this kept) is shown as it is.

``said`` and ``said_plural`` are extraction keywords (``make messages`` passes them to pybabel),
so their texts are in the catalogue like any ``_()``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, gettext, ngettext

from dispatch.web import local_time

Stored = dict[str, Any] | list[Any] | str


def said(msgid: str, **params: Any) -> dict[str, Any]:
    """A catalogue text and its values, to be translated when read."""
    return {"msg": msgid, "params": params}


def said_plural(singular: str, plural: str, num: int, **params: Any) -> dict[str, Any]:
    """A catalogue text with a number (ngettext's ``%(num)d``)."""
    return {"msg": singular, "plural": plural, "num": int(num), "params": params}


def day(value: date, style: str = "long") -> dict[str, Any]:
    """A date, written in the reader's language ("7 decembrie 2026")."""
    return {"date": value.isoformat(), "format": style}


def moment(value: datetime, zone: str) -> dict[str, Any]:
    """A moment, as the reader's language writes it on the clock of ``zone``."""
    return {"moment": value.isoformat(), "zone": zone}


def engine(reason: str) -> dict[str, Any]:
    """A reason the routing engine wrote (in English), translated by the reader's page."""
    return {"engine": reason}


def joined(items: list[Any], separator: str = "; ") -> dict[str, Any]:
    """Several texts in one place of a sentence, with ``separator`` between them."""
    return {"join": items, "separator": separator}


def render(value: Stored | None, engine: Callable[[str], str] | None = None) -> str:
    """The text in the current language (see the module's docstring); ``engine`` says the
    routing engine's reasons in it (else they are shown as the engine wrote them)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(t for t in (render(v, engine) for v in value) if t)
    if not isinstance(value, dict):
        return str(value)
    if "join" in value:
        return value.get("separator", "; ").join(render(v, engine) for v in value["join"])
    if "engine" in value:
        return engine(value["engine"]) if engine is not None else str(value["engine"])
    if "date" in value:
        return format_date(date.fromisoformat(value["date"]), value.get("format", "long"))
    if "moment" in value:
        return local_time(datetime.fromisoformat(value["moment"]), value.get("zone"))
    params = {
        k: render(v, engine) if isinstance(v, dict | list) else v
        for k, v in value["params"].items()
    }
    if "plural" in value:
        return ngettext(value["msg"], value["plural"], value["num"], **params)
    return gettext(value["msg"], **params)
