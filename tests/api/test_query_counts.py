"""Creating a request through the API runs a fixed, small number of SQL statements."""

from __future__ import annotations

from tests.sql_count import statements

MAX_CREATE = 10


def test_create_runs_at_most_ten_statements(api, make_site, make_category):
    site_id = make_site().id
    category_id = make_category(fields=[dict(key="device", label="Device", type="text")]).id
    a = api()
    # The first call also stamps the token's use (once a minute) and trains the triage
    # classifier (once per process); the calls after it are what a busy integration costs.
    for n in range(3):
        body = dict(
            subject=f"Printer {n}", site=site_id, category=category_id, fields={"device": "P"}
        )
        with statements() as sent:
            response = a.post("/api/v1/tickets", json=body)
        assert response.status_code == 201, response.json
        assert response.json["site"]["id"] == site_id
        assert response.json["subject"] == f"Printer {n}"
        if n:
            assert len(sent) <= MAX_CREATE, "\n".join(s[:90] for s in sent)
