"""Created, resolved and backlog per week; remote versus on-site; reopens and follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.reports import kinds, quality, volume
from dispatch.reports.scope import Scope
from dispatch.tickets.models import TicketEvent
from tests.reports.conftest import END, START, at


def _row(rows, **match):
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, rows)
    return found[0]


def test_weeks_count_created_resolved_and_the_backlog_per_channel(old_ticket, scope):
    old_ticket(START - timedelta(days=3))  # open before the period: in every week's backlog
    old_ticket(START - timedelta(days=3), at(1))  # open before, resolved in week 0
    old_ticket(START - timedelta(days=9), START - timedelta(days=8))  # done before: nowhere
    old_ticket(at(2), at(9))  # created week 0, resolved week 1
    old_ticket(at(8), channel="email")  # week 1, still open
    old_ticket(at(30))  # after the period
    rows = volume.weekly(scope())
    assert len(rows) == 4 * 2  # four weeks × the channels seen
    assert _row(rows, week="2026-11-02", channel="web") == {
        "week": "2026-11-02",
        "channel": "web",
        "created": 1,
        "resolved": 1,
        "backlog": 2,
    }
    week1 = _row(rows, week="2026-11-09", channel="web")
    assert (week1["created"], week1["resolved"], week1["backlog"]) == (0, 1, 1)
    assert _row(rows, week="2026-11-09", channel="email")["backlog"] == 1
    assert _row(rows, week="2026-11-23", channel="email")["backlog"] == 1
    assert _row(rows, week="2026-11-02", channel="email")["created"] == 0


def test_filters_narrow_every_figure(old_ticket, scope, make_site):
    here, there = make_site(), make_site()
    old_ticket(at(1), site=here, kind="remote")
    old_ticket(at(1), site=there, kind="remote")
    old_ticket(at(1), site=here, kind="onsite")
    rows = volume.weekly(scope(site_id=here.id, kind="remote"))
    assert sum(r["created"] for r in rows) == 1
    assert [r["kind"] for r in kinds.remote_onsite(scope(site_id=here.id))] == ["onsite", "remote"]


def test_remote_and_onsite_share_and_times(old_ticket, scope):
    for hours_open in (1, 2, 10):
        old_ticket(at(1, 8), at(1, 8) + timedelta(hours=hours_open), kind="remote")
    old_ticket(at(2, 8), at(2, 8) + timedelta(hours=4), kind="onsite")
    old_ticket(at(2, 8), at(2, 8) + timedelta(hours=8), kind="onsite")
    old_ticket(at(3))  # not catalogued, open
    rows = kinds.remote_onsite(scope())
    assert [r["kind"] for r in rows] == ["onsite", "remote", "undecided"]
    remote, onsite, undecided = _row(rows, kind="remote"), rows[0], rows[2]
    assert (remote["created"], remote["share"], remote["resolved"]) == (3, 0.5, 3)
    assert (remote["mean_hours"], remote["median_hours"]) == (pytest.approx(4.33, abs=0.01), 2)
    assert (onsite["mean_hours"], onsite["median_hours"]) == (6, 6)  # two rows: their mean
    assert undecided["resolved"] == 0 and undecided["median_hours"] is None


def test_reopen_rate_counts_requests_finished_then_reopened(old_ticket, scope):
    old_ticket(at(1), at(2), kind="remote")
    old_ticket(at(1), at(2), reopened=at(3), kind="remote")
    old_ticket(at(1), at(2), reopened=at(3), kind="onsite")
    old_ticket(at(1), START - timedelta(days=1), kind="remote")  # finished before: not counted
    rows = quality.reopens(scope())
    assert _row(rows, kind="remote") == {
        "kind": "remote",
        "finished": 2,
        "reopened": 1,
        "rate": 0.5,
    }
    assert _row(rows, kind="onsite")["rate"] == 1.0


def test_follow_ups_are_those_requesters_opened(old_ticket, make_ticket, scope):
    parent = old_ticket(at(1), at(2), kind="onsite")
    linked = old_ticket(at(3), kind="remote")
    follow = make_ticket(subject="Still broken", parent_id=None)
    # A follow-up is created with its parent (the record says so); a dispatcher's link is not.
    follow.parent_id = parent.id
    db.session.add(TicketEvent(ticket=follow, type="parent_set", data={"parent": parent.id}))
    follow.created_at = at(4)
    linked.parent_id = parent.id
    db.session.commit()
    rows = quality.follow_ups(scope())
    assert _row(rows, kind="onsite") == {
        "kind": "onsite",
        "finished": 1,
        "follow_ups": 1,
        "rate": 1.0,
    }


def test_a_period_is_checked():
    with pytest.raises(ValidationError):
        Scope(END, START)
    with pytest.raises(ValidationError):
        Scope(START, START + timedelta(days=500))
    with pytest.raises(ValidationError):
        Scope(START, END, channel="fax")
    assert Scope(START, START + timedelta(days=8)).week_count == 2
