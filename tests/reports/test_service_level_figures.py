"""Service levels in reports: business times per policy (median, 90th percentile), the share
of deadlines met, the breaches listed with links, in the page, the files and the API."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from dispatch.extensions import db
from dispatch.reports import service_levels
from dispatch.sla.models import SlaPolicy
from tests.reports.conftest import END, at

HOUR = 3600
PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}


def _under(ticket, policy, *, fr_at=None, fr_s=None, res_s=None, res_due=None):
    """Give a ticket the columns its clock would keep (1 h to respond, from its creation)."""
    ticket.sla_policy_id = policy.id
    ticket.sla_first_response_due = ticket.created_at + timedelta(hours=1)
    ticket.sla_first_response_at, ticket.sla_first_response_seconds = fr_at, fr_s
    ticket.sla_resolution_seconds, ticket.sla_resolution_due = res_s, res_due
    db.session.commit()
    return ticket


@pytest.fixture
def levels(old_ticket, make_site):
    """Under "Standard" (1 h to respond, 8 h to resolve): one request on time, one late on
    both, one still open whose first response is overdue; one outside the period."""
    cluj = make_site(name="Cluj")
    policy = SlaPolicy(name="Standard", first_response_minutes=60, resolution_minutes=480)
    db.session.add(policy)
    db.session.commit()
    on_time = old_ticket(at(1), at(1, 11), site=cluj)
    _under(on_time, policy, fr_at=at(1, 9) + timedelta(minutes=30), fr_s=HOUR // 2, res_s=2 * HOUR)
    late = old_ticket(at(2), at(4), site=cluj, subject="<b>Late</b>")
    _under(late, policy, fr_at=at(2, 11), fr_s=90 * 60, res_s=10 * HOUR, res_due=at(3, 10))
    waiting = old_ticket(at(5), subject="Waiting")
    _under(waiting, policy, res_due=END + timedelta(days=30))
    before = old_ticket(at(-3), at(-2))
    _under(before, policy, fr_s=100 * HOUR, res_s=100 * HOUR)
    return policy, on_time, late, waiting


def test_times_in_business_hours_per_policy(levels, scope):
    [row] = service_levels.response_times(scope())
    assert row == {
        "policy": "Standard",
        "requests": 3,
        "first_response_median_hours": 1.0,  # (0.5 + 1.5) / 2
        "first_response_p90_hours": 1.5,
        "resolution_median_hours": 6.0,  # (2 + 10) / 2
        "resolution_p90_hours": 10.0,
    }


def test_the_90th_percentile_is_the_nearest_rank(old_ticket, scope):
    policy = SlaPolicy(name="Ten", first_response_minutes=60, resolution_minutes=480)
    db.session.add(policy)
    db.session.commit()
    for hours in (3, 1, 10, 7, 2, 9, 5, 4, 8, 6):
        _under(old_ticket(at(hours)), policy, fr_s=hours * HOUR)
    [row] = service_levels.response_times(scope())
    assert (row["first_response_median_hours"], row["first_response_p90_hours"]) == (5.5, 9.0)
    assert row["resolution_median_hours"] is None  # none finished: no time, not zero


def test_share_met_counts_the_deadlines_decided(levels, scope):
    [row] = service_levels.met(scope(), now=END)
    assert row == {
        "policy": "Standard",
        "first_response_decided": 3,  # the open one is overdue: missed
        "first_response_met": 0.3333,
        "resolution_decided": 2,  # the open one is not due yet
        "resolution_met": 0.5,
    }


def test_breaches_are_listed_newest_first_and_filters_apply(levels, scope, make_site):
    _, _, late, waiting = levels
    rows = service_levels.breaches(scope(), now=END)
    assert [(r["ticket"], r["missed"]) for r in rows] == [
        (waiting.id, "first_response"),
        (late.id, "both"),
    ]
    cluj = late.site_id
    assert [r["ticket"] for r in service_levels.breaches(scope(site_id=cluj), now=END)] == [late.id]


def test_the_page_links_each_breach_to_its_request(client, auth, levels):
    _, _, late, _ = levels
    auth.login(role="dispatcher")
    page = client.get("/reports/", query_string=PERIOD).get_data(as_text=True)
    assert "Response and resolution times (business hours)" in page
    assert "Service-level targets met" in page
    assert f'<a href="/tickets/{late.id}">#{late.id}</a>' in page
    assert "&lt;b&gt;Late&lt;/b&gt;" in page and "<b>Late</b>" not in page
    assert "First response and resolution" in page


def test_files_and_api_carry_the_same_figures(client, auth, api, levels):
    _, _, late, waiting = levels
    auth.login(role="dispatcher")
    body = client.get("/reports/sla_breaches.csv", query_string=PERIOD).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["Request", "Subject", "Service level", "Site", "Missed"]
    assert rows[2][0] == str(late.id) and rows[2][4] == "First response and resolution"
    assert client.get("/reports/sla_met.xlsx", query_string=PERIOD).status_code == 200
    query = "start=2026-11-02&end=2026-11-29"
    answer = api(role="dispatcher").get(f"/api/v1/reports/response_times?{query}").get_json()
    assert answer["rows"][0]["resolution_p90_hours"] == 10.0
    answer = api(role="admin").get(f"/api/v1/reports/sla_breaches?{query}").get_json()
    assert {r["ticket"] for r in answer["rows"]} == {late.id, waiting.id}
