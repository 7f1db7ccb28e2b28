"""The reports in the JSON API: the page's figures, for dispatchers' and admins' tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket


@pytest.fixture
def tickets(app, make_user):
    requester = make_user("employee")
    for day, channel in ((3, "web"), (4, "email"), (12, "web")):
        created = datetime(2026, 11, day, 9, tzinfo=UTC)
        db.session.add(
            Ticket(requester=requester, subject="Down", channel=channel, created_at=created)
        )
    db.session.commit()


def test_a_dispatcher_reads_a_report(api, tickets):
    response = api(role="dispatcher").get(
        "/api/v1/reports/volume?start=2026-11-02&end=2026-11-15&channel=web"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["report"] == "volume"
    assert body["scope"]["start"] == "2026-11-02T00:00:00+00:00"
    assert [c["key"] for c in body["columns"]] == [
        "week",
        "channel",
        "created",
        "resolved",
        "backlog",
    ]
    assert [(r["week"], r["created"], r["backlog"]) for r in body["rows"]] == [
        ("2026-11-02", 1, 1),
        ("2026-11-09", 1, 2),
    ]


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_other_tokens_get_a_404(api, role):
    response = api(role=role).get("/api/v1/reports/volume")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_bad_filters_are_named(api):
    client = api(role="admin")
    assert client.get("/api/v1/reports/nothing").status_code == 404
    for query, field in (
        ("start=2026-13-01", "start"),
        ("start=2026-11-10&end=2026-11-01", "end"),
        ("start=1900-01-01", "start"),
        ("kind=elsewhere", "kind"),
        ("colour=red", "colour"),
    ):
        response = client.get(f"/api/v1/reports/kinds?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["field"] == field


def test_the_document_describes_reports(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/reports/{name}"]["get"]
    assert operation["operationId"] == "getReport"
    assert {p["name"] for p in operation["parameters"]} >= {"name", "start", "end", "channel"}
    assert "Report" in document["components"]["schemas"]


@pytest.mark.parametrize("said", [True, False, None])
def test_a_request_says_whether_it_stops_work(api, said):
    body = api().post("/api/v1/tickets", json={"subject": "Laptop dead", "stops_work": said}).json
    assert body["stops_work"] is said
    assert db.session.get(Ticket, body["id"]).stops_work is said
