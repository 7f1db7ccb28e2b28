"""The replay of a ticket's clock (pure): properties over random histories and calendars."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.sla.clock import Calendar, add, between, day_hours
from dispatch.sla.run import PAUSED, RUNNING, STOPPED, Targets, run_clock

BUCHAREST = ZoneInfo("Europe/Bucharest")
CALENDARS = [
    Calendar(
        zone=BUCHAREST,
        week=(day_hours(time(8), time(17)),) * 5 + ((), ()),
        closed=holidays.country_holidays("RO"),
    ),
    Calendar(zone=BUCHAREST, week=(day_hours(time(0), time(0)),) * 7),
    Calendar.around_the_clock(),
]
START = datetime(2026, 3, 27, 15, tzinfo=UTC)  # two days before the clocks go forward

steps = st.lists(
    st.tuples(st.integers(1, 5 * 86_400), st.sampled_from([RUNNING, PAUSED, STOPPED])),
    max_size=8,
)
minutes = st.integers(1, 5 * 24 * 60).map(lambda m: timedelta(minutes=m))


def history(start, raw):
    at, states = start, []
    for gap, state in raw:
        at += timedelta(seconds=gap)
        states.append((at, state))
    return states


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALENDARS), steps, minutes, minutes)
def test_the_due_time_is_the_target_plus_the_pauses_from_the_start(cal, raw, fr, res):
    states = history(START, raw)
    clock = run_clock(cal, START, states, None, Targets(fr, res))
    assert clock.paused + clock.used == between(cal, START, clock.since)
    if clock.state == RUNNING and not clock.breached:
        assert clock.resolution_due == add(cal, START, res + clock.paused)
    if clock.state == RUNNING:
        assert between(cal, START, clock.resolution_due) - res <= clock.paused
    if clock.state == PAUSED and not clock.breached:
        assert clock.resolution_due is None and clock.used <= res


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), steps, minutes, minutes, minutes)
def test_a_policy_changed_mid_ticket_counts_from_the_start(cal, raw, fr, res, new_res):
    """Targets changed at any point give the clock the new targets would have given from the
    start: the replay depends on the history and the targets, not on when they changed."""
    states = history(START, raw)
    before = run_clock(cal, START, states, None, Targets(fr, res))
    after = run_clock(cal, START, states, None, Targets(fr, new_res))
    assert (after.used, after.paused, after.state) == (before.used, before.paused, before.state)
    if after.state == RUNNING and not after.breached:
        assert after.resolution_due == add(cal, START, new_res + after.paused)
    if new_res >= res and after.resolution_due and before.resolution_due:
        assert after.resolution_due >= before.resolution_due


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CALENDARS), steps, minutes)
def test_a_longer_pause_never_brings_the_due_time_closer(cal, raw, res):
    """The first pause ended an hour later, every other change where it was: the clock runs
    over part of the time it ran before and no more, so its due time never comes sooner.
    (Moving the later changes by an hour too would not be the same history paused longer: an
    hour of the clock is business time, and a wall-clock hour may hold none of it or all.)"""
    states = history(START, raw)
    if len(states) < 2 or states[0][1] != PAUSED:
        return
    later = states[1][0] + timedelta(hours=1)
    if len(states) > 2 and later >= states[2][0]:
        return  # the longer pause would swallow the next change: another history
    longer = [states[0], (later, states[1][1]), *states[2:]]
    a = run_clock(cal, START, states, None, Targets(res, res))
    b = run_clock(cal, START, longer, None, Targets(res, res))
    if len(states) > 2:
        assert b.used <= a.used and b.paused >= a.paused
    if a.state == b.state == RUNNING and not (a.breached or b.breached):
        assert b.resolution_due >= a.resolution_due


def test_breach_while_running_stays_a_breach_after_a_pause():
    cal = Calendar.around_the_clock()
    states = [(START + timedelta(hours=3), PAUSED)]
    clock = run_clock(cal, START, states, START, Targets(timedelta(hours=1), timedelta(hours=2)))
    assert clock.breached and clock.resolution_due == START + timedelta(hours=2)
    assert clock.next_due is None  # paused: nothing is counting down
