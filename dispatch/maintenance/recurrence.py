"""Recurrence rules (RFC 5545 RRULE, read by python-dateutil) and the working-day windows of
the visits they make. Pure: no Flask, no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import DAILY, rrule, rrulestr
from flask_babel import gettext as _

from dispatch.sla.clock import Calendar

RULE_MAX = 500
#: How many days a window may look ahead for its working days before it gives up.
SEARCH_DAYS = 400


class RuleError(ValueError):
    """A rule that is not an RFC 5545 recurrence we can use; the message says why."""


def normal_rule(text: str) -> str:
    """The rule as stored: upper case, no ``RRULE:`` prefix, no spaces."""
    rule = "".join((text or "").split()).upper()
    return rule.removeprefix("RRULE:")


def parse(text: str, starts_on: date) -> rrule:
    """The recurrence of ``text`` from ``starts_on``; RuleError naming what is wrong."""
    rule = normal_rule(text)
    if not rule:
        raise RuleError(_("it is empty"))
    if len(rule) > RULE_MAX:
        raise RuleError(_("at most %(n)d characters", n=RULE_MAX))
    if "DTSTART" in rule:
        raise RuleError(_("the start date is its own field, not part of the rule"))
    if "FREQ=" not in rule:
        raise RuleError(_("FREQ is missing (e.g. FREQ=MONTHLY;INTERVAL=3)"))
    try:
        parsed = rrulestr(rule, dtstart=datetime.combine(starts_on, time()))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise RuleError(str(exc) or type(exc).__name__) from None
    if not isinstance(parsed, rrule):
        raise RuleError(_("one RRULE only"))
    if parsed._freq > DAILY:  # HOURLY, MINUTELY, SECONDLY: a visit is at most daily
        raise RuleError(_("visits recur daily at most (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)"))
    if parsed.after(datetime.combine(starts_on, time()), inc=True) is None:
        raise RuleError(_("it never falls on a day from the start date"))
    return parsed


def due_dates(rule: rrule, after: date, until: date, *, inclusive: bool = True) -> list[date]:
    """The rule's dates from ``after`` (itself only when ``inclusive``) to ``until``."""
    start = datetime.combine(after, time())
    end = datetime.combine(until, time())
    return [d.date() for d in rule.between(start, end, inc=True) if inclusive or d.date() > after]


def first_on_or_after(rule: rrule, day: date) -> date | None:
    found = rule.after(datetime.combine(day, time()), inc=True)
    return found.date() if found is not None else None


def next_after(rule: rrule, day: date) -> date | None:
    """The rule's first date strictly after ``day``."""
    found = rule.after(datetime.combine(day, time()), inc=False)
    return found.date() if found is not None else None


def _working_days(calendar: Calendar, first: date) -> Iterator[tuple[datetime, datetime]]:
    """The first and last opening instant (UTC) of each working day from ``first`` on."""
    for k in range(SEARCH_DAYS):
        day = first + timedelta(days=k)
        if calendar.always:
            begin = datetime.combine(day, time(), calendar.zone).astimezone(UTC)
            yield begin, begin + timedelta(days=1)
            continue
        since = datetime.combine(day, time(12), calendar.zone)
        openings = [
            (a, b)
            for a, b in calendar.openings(since, since)
            if a.astimezone(calendar.zone).date() == day
        ]
        if openings:
            yield openings[0][0], openings[-1][1]


def window(calendar: Calendar, due_on: date, working_days: int) -> tuple[datetime, datetime]:
    """From the opening of the first working day on or after ``due_on`` to the closing of the
    ``working_days``-th (UTC). A calendar that never opens gives the calendar days instead."""
    days = []
    for opening in _working_days(calendar, due_on):
        days.append(opening)
        if len(days) == max(1, working_days):
            return days[0][0], days[-1][1]
    begin = datetime.combine(due_on, time(), calendar.zone).astimezone(UTC)
    return begin, begin + timedelta(days=max(1, working_days))
