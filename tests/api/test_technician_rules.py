"""The technicians named on an on-site ticket, through the API: set by triage (a key left
out keeps them, null clears), shown to staff only, refused with the field named."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket


def _url(ticket):
    return f"/api/v1/tickets/{ticket.id}/triage"


def test_triage_sets_keeps_and_clears_the_rules(api, make_ticket, make_site, make_user):
    ticket = make_ticket(site_id=make_site().id)
    ana, dan = make_user("technician", name="Ana"), make_user("technician", name="Dan")
    a = api(role="dispatcher")
    body = a.post(
        _url(ticket),
        json={
            "kind": "onsite",
            "required_technicians": [ana.id],
            "prohibited_technicians": [dan.id],
            "preferred_technician": ana.id,
        },
    ).json
    assert body["technicians"] == {
        "required": [{"id": ana.id, "name": "Ana"}],
        "prohibited": [{"id": dan.id, "name": "Dan"}],
        "preferred": {"id": ana.id, "name": "Ana"},
    }
    # Left out: kept.
    body = a.post(_url(ticket), json={"kind": "onsite", "duration_min": 30}).json
    assert body["technicians"]["prohibited"] == [{"id": dan.id, "name": "Dan"}]
    # Null: cleared, the others kept.
    body = a.post(
        _url(ticket),
        json={"kind": "onsite", "required_technicians": None, "preferred_technician": None},
    ).json
    assert body["technicians"] == {
        "required": [],
        "prohibited": [{"id": dan.id, "name": "Dan"}],
        "preferred": None,
    }
    assert (
        a.get(f"/api/v1/tickets/{ticket.id}").json["technicians"]["prohibited"][0]["id"] == dan.id
    )


def test_the_requester_does_not_see_them(api, make_ticket, make_user):
    requester = api(role="employee")
    ticket = make_ticket(requester=requester.user)
    tech = make_user("technician")
    api(role="dispatcher").post(
        _url(ticket), json={"kind": "onsite", "prohibited_technicians": [tech.id]}
    )
    assert requester.get(f"/api/v1/tickets/{ticket.id}").json["technicians"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"required_technicians": [424242]}, "required_technicians"),
        ({"prohibited_technicians": "7"}, "prohibited_technicians"),
        ({"preferred_technician": "agent"}, "preferred_technician"),
        (
            {"required_technicians": ["tech"], "prohibited_technicians": ["tech"]},
            "prohibited_technicians",
        ),
    ],
)
def test_bad_rules_are_400_naming_the_field(api, make_ticket, make_user, body, field):
    ticket = make_ticket()
    tech, agent = make_user("technician"), make_user("agent")
    ids = {"tech": tech.id, "agent": agent.id}
    body = {
        k: ([ids.get(i, i) for i in v] if isinstance(v, list) else ids.get(v, v))
        for k, v in body.items()
    }
    response = api(role="dispatcher").post(_url(ticket), json={"kind": "onsite", **body})
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).technicians == []


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_other_roles_cannot_set_them(api, make_ticket, make_user, role):
    tech = make_user("technician")
    a = api(role=role)
    own = make_ticket(requester=a.user)
    response = a.post(_url(own), json={"kind": "onsite", "required_technicians": [tech.id]})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, own.id).technicians == []


def test_the_openapi_document_describes_them(client):
    doc = client.get("/api/v1/openapi.json").json
    triage = doc["components"]["schemas"]["Triage"]["properties"]
    assert {"required_technicians", "prohibited_technicians", "preferred_technician"} <= set(triage)
    assert "technicians" in doc["components"]["schemas"]["Ticket"]["properties"]
