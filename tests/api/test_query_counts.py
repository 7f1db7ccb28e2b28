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


def test_the_answer_reads_the_new_ticket_once_without_what_it_cannot_have(api, make_ticket):
    """The answer's one read of the new ticket joins the ticket table again only for a parent
    it names: a ticket made a moment ago has no sub-tickets."""
    a = api()
    a.post("/api/v1/tickets", json={"subject": "warm-up"})

    def read_back(sent) -> str:  # the last read of a ticket (a parent is checked before)
        return [s for s in sent if s.lstrip().startswith("SELECT ticket.id")][-1]

    with statements() as sent:
        response = a.post("/api/v1/tickets", json={"subject": "alone"})
    assert response.status_code == 201 and response.json["children"] == []
    assert response.json["parent"] is None
    assert read_back(sent).count("JOIN ticket AS") == 0, read_back(sent)

    parent = a.post("/api/v1/tickets", json={"subject": "the larger job"}).json
    with statements() as sent:
        response = a.post("/api/v1/tickets", json={"subject": "a part", "parent": parent["id"]})
    assert response.status_code == 201 and response.json["parent"]["id"] == parent["id"]
    assert read_back(sent).count("JOIN ticket AS") == 1, read_back(sent)
