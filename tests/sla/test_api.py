"""The service level in the JSON API: the ticket object's ``sla`` and the breach filter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.tickets.services import change_status


def test_staff_read_the_service_level_of_a_ticket(api, make_ticket, make_policy, make_user, now):
    policy = make_policy(
        name="Always", around_the_clock=True, first_response_minutes=60, resolution_minutes=240
    )
    now.at = datetime(2026, 12, 7, 8, tzinfo=UTC)
    ticket = make_ticket()
    dispatcher = make_user("dispatcher")
    now.at = datetime(2026, 12, 7, 9, tzinfo=UTC)
    change_status(ticket, dispatcher, "waiting")
    body = api(dispatcher).get(f"/api/v1/tickets/{ticket.id}").get_json()
    sla = body["sla"]
    assert sla["policy"] == {"id": policy.id, "name": "Always"}
    assert sla["first_response_due"] == "2026-12-07T09:00:00Z"
    assert sla["resolution_due"] is None  # paused
    # The pause under way counts: it began on 7 December 2026 at 09:00.
    elapsed = datetime.now(UTC) - datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert abs(sla["paused_seconds"] - elapsed.total_seconds()) < 60
    assert sla["breached"] is False

    requester = api(ticket.requester).get(f"/api/v1/tickets/{ticket.id}").get_json()
    assert requester["sla"] is None


def test_the_list_filters_on_breach(api, make_ticket, make_policy, make_user, now):
    make_policy(
        name="Quick", around_the_clock=True, first_response_minutes=10, resolution_minutes=60
    )
    now.at = datetime.now(UTC) - timedelta(hours=2)
    late = make_ticket(subject="Late")
    now.at = datetime.now(UTC)
    fresh = make_ticket(subject="Fresh")
    client = api(make_user("dispatcher"))
    late_ids = [t["id"] for t in client.get("/api/v1/tickets?breached=true").get_json()["items"]]
    ok_ids = [t["id"] for t in client.get("/api/v1/tickets?breached=false").get_json()["items"]]
    assert late_ids == [late.id] and ok_ids == [fresh.id]
    items = client.get("/api/v1/tickets").get_json()["items"]
    assert {t["id"]: t["sla"]["breached"] for t in items} == {late.id: True, fresh.id: False}


@pytest.mark.parametrize("value", ["yes", "1", "TRUE"])
def test_a_bad_breach_filter_is_a_clear_400(api, value):
    response = api(role="dispatcher").get(f"/api/v1/tickets?breached={value}")
    assert response.status_code == 400
    assert "breached" in response.get_data(as_text=True)
