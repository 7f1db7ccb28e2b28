"""Business-time arithmetic: worked examples, then properties (hypothesis) over random
calendars and instants, Bucharest's clock changes and Romania's moving holidays included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.sla.clock import Calendar, add, between, day_hours

BUCHAREST = ZoneInfo("Europe/Bucharest")
H = timedelta(hours=1)
WEEKDAYS = day_hours(time(8), time(17))


def office(**kw) -> Calendar:
    """Monday to Friday, 08:00–17:00 in Bucharest."""
    return Calendar(zone=BUCHAREST, week=(WEEKDAYS,) * 5 + ((), ()), **kw)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BUCHAREST)


# --- worked examples -----------------------------------------------------------------------------


def test_overnight_and_weekend_are_skipped():
    cal = office()
    friday_evening = local(2026, 12, 4, 16, 0)
    assert add(cal, friday_evening, 2 * H) == local(2026, 12, 7, 9, 0)  # Monday 09:00
    assert between(cal, friday_evening, local(2026, 12, 7, 9, 0)) == 2 * H
    assert between(cal, local(2026, 12, 5, 10), local(2026, 12, 6, 23)) == timedelta(0)


def test_romanian_holidays_move_with_orthodox_easter_and_pentecost():
    cal = office(closed=holidays.country_holidays("RO"))
    # Orthodox Easter 2027 is 2 May: Friday 30 April (Good Friday) and Monday 3 May are closed.
    thursday = local(2027, 4, 29, 16, 0)
    assert add(cal, thursday, 2 * H) == local(2027, 5, 4, 9, 0)
    # Pentecost Monday 2026 is 1 June (also Children's Day).
    assert add(cal, local(2026, 5, 29, 17, 0), H) == local(2026, 6, 2, 9, 0)


def test_company_closure_days():
    cal = office(closed={date(2026, 12, 7)})
    assert add(cal, local(2026, 12, 4, 16, 0), 2 * H) == local(2026, 12, 8, 9, 0)


def test_dst_days_count_the_hours_that_really_passed():
    all_day = Calendar(zone=BUCHAREST, week=(day_hours(time(0), time(0)),) * 7)
    spring = (local(2026, 3, 29), local(2026, 3, 30))
    autumn = (local(2026, 10, 25), local(2026, 10, 26))
    assert between(all_day, *spring) == 23 * H
    assert between(all_day, *autumn) == 25 * H
    assert between(Calendar.around_the_clock(), *spring) == 23 * H
    # An office day is nine real hours on either day (the change is at night).
    cal = Calendar(zone=BUCHAREST, week=(WEEKDAYS,) * 7)
    assert between(cal, *spring) == between(cal, *autumn) == 9 * H


def test_night_shift_runs_past_midnight():
    nights = Calendar(zone=BUCHAREST, week=(day_hours(time(22), time(6)),) * 7)
    assert between(nights, local(2026, 12, 1, 12), local(2026, 12, 2, 12)) == 8 * H
    assert add(nights, local(2026, 12, 1, 23), 2 * H) == local(2026, 12, 2, 1)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        add(office(), datetime(2026, 12, 1, 9), H)  # naive
    with pytest.raises(ValueError):
        add(office(), local(2026, 12, 1, 9), -H)
    with pytest.raises(ValueError):
        add(Calendar(zone=BUCHAREST), local(2026, 12, 1, 9), H)  # never open
    with pytest.raises(ValueError):
        Calendar(week=((),) * 6)


# --- properties ----------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
# Instants around Bucharest's clock changes, where wall times are skipped or repeated.
dst_instants = st.sampled_from(
    [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]
).flatmap(lambda t: st.integers(-36 * 3600, 36 * 3600).map(lambda s: t + timedelta(seconds=s)))
any_instant = st.one_of(instants, dst_instants)
amounts = st.integers(0, 40 * 3600).map(lambda s: timedelta(seconds=s))


@st.composite
def calendars(draw) -> Calendar:
    if draw(st.integers(0, 9)) == 0:
        return Calendar.around_the_clock()
    week = []
    for _ in range(7):
        if draw(st.booleans()):
            opens = draw(st.integers(0, 23 * 2)) * 1800
            length = draw(st.integers(1, 30)) * 1800
            week.append(((opens, min(opens + length, 2 * 86_400)),))
        else:
            week.append(())
    if not any(week):
        week[0] = ((8 * 3600, 17 * 3600),)
    zone = draw(st.sampled_from([BUCHAREST, ZoneInfo("UTC"), ZoneInfo("America/New_York")]))
    closed = set(draw(st.lists(st.dates(date(2025, 1, 1), date(2029, 1, 1)), max_size=30)))
    if draw(st.booleans()):
        closed |= set(holidays.country_holidays("RO", years=range(2024, 2030)))
    return Calendar(zone=zone, week=tuple(week), closed=frozenset(closed))


@settings(max_examples=300, deadline=None)
@given(calendars(), any_instant, any_instant)
def test_add_undoes_between(cal, t, u):
    t, u = min(t, u), max(t, u)
    reached = add(cal, t, between(cal, t, u))
    # The end of the last opening before u (u itself when u is open): nothing open in between.
    assert t <= reached <= u
    assert between(cal, reached, u) == timedelta(0)
    assert between(cal, t, reached) == between(cal, t, u)


@settings(max_examples=300, deadline=None)
@given(calendars(), any_instant, amounts)
def test_between_undoes_add(cal, t, amount):
    assert between(cal, t, add(cal, t, amount)) == amount


@settings(max_examples=200, deadline=None)
@given(calendars(), any_instant, amounts, amounts)
def test_add_is_monotonic_and_additive(cal, t, a, b):
    first = add(cal, t, min(a, b))
    assert first <= add(cal, t, max(a, b))
    assert add(cal, add(cal, t, a), b) == add(cal, t, a + b)


@settings(max_examples=200, deadline=None)
@given(calendars(), any_instant, any_instant, any_instant)
def test_between_adds_up_and_is_antisymmetric(cal, a, b, c):
    a, b, c = sorted((a, b, c))
    assert between(cal, a, c) == between(cal, a, b) + between(cal, b, c)
    assert between(cal, c, a) == -between(cal, a, c)
    assert timedelta(0) <= between(cal, a, c) <= c - a


@settings(max_examples=200, deadline=None)
@given(calendars(), any_instant, amounts, st.lists(st.tuples(amounts, amounts), max_size=4))
def test_pauses_push_the_due_time_by_their_business_length(cal, start, target, pauses):
    """A clock that runs, pauses and runs again reaches its target at the instant found by
    adding the pauses' business time to the target from the start."""
    t, used, paused = start, timedelta(0), timedelta(0)
    for run, pause in pauses:
        if used + run >= target:
            break
        t = add(cal, t, run)  # run for a while …
        used += run
        resume = t + pause  # … then wait on the requester, in real time
        paused += between(cal, t, resume)
        t = resume
    due = add(cal, t, target - used)
    assert due == add(cal, start, target + paused)
    assert between(cal, start, due) == target + paused


def test_a_holiday_adds_a_whole_day_to_a_due_time():
    cal = office()
    holiday = office(closed={date(2026, 12, 8)})
    start = local(2026, 12, 7, 10)
    assert add(holiday, start, 9 * H) - add(cal, start, 9 * H) == timedelta(days=1)
