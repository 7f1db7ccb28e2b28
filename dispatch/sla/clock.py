"""Business-time arithmetic: pure, with no Flask, database or network.

A :class:`Calendar` says when the clock of a service level runs: weekly opening hours in a time
zone, less closed days (public holidays, company closure days), or every second of every day
(24×7). Two functions do all the arithmetic:

* :func:`between` — how much business time lies between two instants;
* :func:`add` — the instant a given amount of business time after another.

Opening hours are wall-clock times of the calendar's zone, turned into real instants day by day,
so a day when the clocks change counts the hours that really passed (an opening of 00:00–24:00
is 23 hours on the last Sunday of March in Bucharest, 25 on the last Sunday of October).
Instants are timezone-aware; results are in UTC and exact to the microsecond.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400
ZERO = timedelta(0)
#: How far :func:`add` looks for opening hours before it calls a calendar closed for good.
HORIZON_DAYS = 3_700

Hours = tuple[tuple[int, int], ...]  # (opens, closes) in seconds after local midnight


def day_hours(opens: time, closes: time) -> Hours:
    """One opening a day, from ``opens`` to ``closes`` local time; a closing at or before the
    opening means the next day (a night shift, or 00:00 for midnight)."""
    start = opens.hour * 3600 + opens.minute * 60 + opens.second
    end = closes.hour * 3600 + closes.minute * 60 + closes.second
    if end <= start:
        end += DAY
    return ((start, end),)


@dataclass(frozen=True, eq=False)
class Calendar:
    """When business time runs.

    ``week`` holds seven entries, Monday first, each the day's openings as seconds after local
    midnight (an end past 86,400 runs into the next day). ``closed`` holds the local dates that
    do not open (anything with ``in``: a set, a ``holidays`` calendar). ``always`` makes every
    instant business time, the rest ignored.
    """

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    week: tuple[Hours, ...] = ((),) * 7
    closed: Container[date] = frozenset()
    always: bool = False

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a week has seven days")
        for hours in self.week:
            for start, end in hours:
                if not 0 <= start < end <= 2 * DAY:
                    raise ValueError(f"bad opening {start}–{end}")

    @classmethod
    def around_the_clock(cls) -> Calendar:
        """24×7: every second counts."""
        return cls(always=True)

    def openings(self, since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in UTC, in order and not overlapping, of the local days from the one
        before ``since`` (an opening may run past midnight) to the one of ``until``. Empty
        intervals (a wall time the clocks skipped) are left out."""
        day = since.astimezone(self.zone).date() - timedelta(days=1)
        last = until.astimezone(self.zone).date()
        last_end: datetime | None = None
        while day <= last:
            if day not in self.closed:
                for start, end in self.week[day.weekday()]:
                    begin, finish = self._instant(day, start), self._instant(day, end)
                    if last_end is not None and begin < last_end:
                        begin = last_end  # overlaps the previous day's night opening
                    if finish > begin:
                        last_end = finish
                        yield begin, finish
            day += timedelta(days=1)

    def _instant(self, day: date, seconds: int) -> datetime:
        wall = datetime.combine(day, time()) + timedelta(seconds=seconds)
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    @property
    def ever_open(self) -> bool:
        return self.always or any(self.week)


def between(calendar: Calendar, a: datetime, b: datetime) -> timedelta:
    """Business time from ``a`` to ``b`` (negative when ``b`` comes first)."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -between(calendar, b, a)
    if calendar.always:
        return b - a
    total = ZERO
    if not calendar.ever_open:
        return total
    for begin, finish in calendar.openings(a, b):
        if finish > a and begin < b:
            total += min(finish, b) - max(begin, a)
    return total


def add(calendar: Calendar, t: datetime, amount: timedelta) -> datetime:
    """The instant when ``amount`` of business time has run since ``t``: within an opening or
    at its end, never at the start of the next one (``t`` itself for nothing at all).
    ValueError for a negative amount or a calendar that never opens again."""
    t = _utc(t)
    if amount < ZERO:
        raise ValueError("a negative amount of business time")
    if calendar.always:
        return t + amount
    if amount == ZERO:
        return t
    if not calendar.ever_open:
        raise ValueError("this calendar is never open")
    left = amount
    for begin, finish in calendar.openings(t, t + timedelta(days=HORIZON_DAYS)):
        if finish <= t:
            continue
        begin = max(begin, t)
        if finish - begin >= left:
            return begin + left
        left -= finish - begin
    raise ValueError("this calendar does not open again for years")


def _utc(instant: datetime) -> datetime:
    # In UTC, differences are real time: Python subtracts two times of one zone by the wall
    # clock, which is an hour off across a change of the clocks.
    if instant.tzinfo is None:
        raise ValueError("business time needs timezone-aware instants")
    return instant.astimezone(UTC)
