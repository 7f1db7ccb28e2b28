"""The routing engine's reasons for a job left out, in the reader's language.

The engine (dispatch.routing) knows nothing of languages: it writes its reasons in English, and
the plan keeps them so (they are also what the logs and the benchmarks print). The board reads
them through :func:`in_language`, which recognises the engine's sentences and says them again
in the page's language; a reason it does not recognise (or one written by the app itself, in
the language of whoever planned) is shown as it was kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext

from dispatch.stored_text import Stored, render

_PINNED = re.compile(r"^pinned on technician (?P<id>\d+): ")
_DAY = re.compile(r"\bday (?P<n>\d+) ")
_FROM = re.compile(r"^from (?P<t>.+)$")


def _skills(text: str, names: dict[int, str]) -> str:
    """The engine's list of skills (the app gives it skill ids: "[1, 4]") as their names."""
    items = re.findall(r"'([^']*)'|(\d+)", text)
    words = [word or names.get(int(number), number) for word, number in items]
    return ", ".join(words) or text


def _windows(text: str) -> str:
    """Windows such as "09:00–11:15", "day 2 09:00–10:00" or "from 09:00", in words."""
    parts = []
    for window in text.split(", "):
        window = _DAY.sub(lambda m: _("day %(n)s", n=m["n"]) + " ", window)
        found = _FROM.match(window)
        parts.append(_("from %(time)s", time=found["t"]) if found else window)
    return ", ".join(parts)


def _time_left(m: re.Match, names: dict[int, str]) -> str:
    if m["n"] is None:
        return _("not enough working time left")
    n = int(m["n"])
    return ngettext(
        "not enough working time left (taken by %(num)d higher-priority job)",
        "not enough working time left (taken by %(num)d higher-priority jobs)",
        n,
    )


def _unreachable(m: re.Match, names: dict[int, str]) -> str:
    windows = _windows(m["w"])
    if m["shift"] == "that shift":
        return _("time window %(w)s cannot be reached from that shift", w=windows)
    return _("time window %(w)s cannot be reached from any shift", w=windows)


_SENTENCES: list[tuple[re.Pattern, Callable[[re.Match, dict[int, str]], str]]] = [
    (re.compile(r"no technician available"), lambda m, names: _("no technician available")),
    (
        re.compile(r"no technician has skills (?P<s>\[.*\])"),
        lambda m, names: _(
            "no technician has the skills %(skills)s", skills=_skills(m["s"], names)
        ),
    ),
    (
        re.compile(r"no technician has all the skills (?P<s>\[.*\])"),
        lambda m, names: _(
            "no technician has all the skills %(skills)s", skills=_skills(m["s"], names)
        ),
    ),
    (
        re.compile(r"too far: the trip exceeds every suitable technician's max travel time"),
        lambda m, names: _("too far: the trip is longer than every suitable technician may travel"),
    ),
    (
        re.compile(r"does not fit around the technicians' breaks"),
        lambda m, names: _("does not fit around the technicians' breaks"),
    ),
    (
        re.compile(r"cannot be finished within any shift \((?P<d>\S+) on site \+ travel\)"),
        lambda m, names: _(
            "cannot be finished within any shift (%(d)s on site, plus travel)", d=m["d"]
        ),
    ),
    (
        re.compile(r"windows? (?P<w>.+) unreachable from (?P<shift>any shift|that shift)"),
        _unreachable,
    ),
    (
        re.compile(
            r"not enough working time left(?: \(taken by (?P<n>\d+) higher-priority jobs\))?"
        ),
        _time_left,
    ),
    (
        re.compile(
            r"not enough capacity: delivery \[(?P<d>[^\]]*)\] exceeds every suitable "
            r"technician's capacity"
        ),
        lambda m, names: _(
            "not enough capacity: its load (%(load)s) is more than any suitable technician "
            "can take",
            load=m["d"],
        ),
    ),
    (
        re.compile(r"every suitable technician has max_tasks 0"),
        lambda m, names: _("every suitable technician may take no visit at all"),
    ),
    (
        re.compile(r"every suitable technician already has the most tasks allowed"),
        lambda m, names: _("every suitable technician already has the most visits allowed"),
    ),
    (
        re.compile(r"none of the technicians it may have is working"),
        lambda m, names: _("none of the technicians it may have is working"),
    ),
    (
        # The app's job ids are ticket ids: the job it depends on is a ticket number.
        re.compile(r"depends on job (?P<id>\d+), which is not served"),
        lambda m, names: _("it comes after #%(id)s, which is not planned", id=m["id"]),
    ),
    (
        re.compile(r"no room left after job (?P<ids>[\d, ]+), which it depends on"),
        lambda m, names: _(
            "no room left after #%(ids)s, which it must come after",
            ids=m["ids"].replace(", ", ", #"),
        ),
    ),
    (
        re.compile(r"not enough capacity left on the suitable technicians"),
        lambda m, names: _("not enough capacity left on the suitable technicians"),
    ),
]


def in_language(reason: str, skill_names: dict[int, str] | None = None) -> str:
    """The engine's reason in the page's language (any other text as it is); ``skill_names``
    names the skill ids the engine speaks of."""
    pinned = _PINNED.match(reason)
    rest = reason[pinned.end() :] if pinned else reason
    for pattern, say in _SENTENCES:
        found = pattern.fullmatch(rest)
        if found:
            text = say(found, skill_names or {})
            return _("on the technician it is pinned to: %(why)s", why=text) if pinned else text
    return reason


def say(value: Stored | None, skill_names: dict[int, str] | None = None) -> str:
    """What the planning layer kept — a text as data (dispatch.stored_text), an engine's reason,
    or the text of an older row — in the page's language."""
    translate = lambda reason: in_language(reason, skill_names)  # noqa: E731
    return translate(value) if isinstance(value, str) else render(value, engine=translate)
