"""The technicians a dispatcher names on an on-site ticket: only these, never these, this one
if it costs little — from the catalogue form, checked on the server, recorded."""

from __future__ import annotations

from datetime import time

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import TicketEvent
from tests.desk.test_catalog import catalog_data, fresh


@pytest.fixture
def job(make_site, make_ticket):
    site = make_site(opens_at=time(8), closes_at=time(16))
    return make_ticket(site_id=site.id, subject="Access point dead")


def form(ticket, **values):
    return catalog_data(ticket, **{"kind": "onsite", "preferred_technician": "", **values})


def post(client, ticket, **values):
    return client.post(f"/desk/tickets/{ticket.id}/catalog", data=form(ticket, **values))


def test_a_dispatcher_names_required_prohibited_and_preferred_technicians(
    client, auth, job, make_user
):
    dispatcher = auth.login(role="dispatcher")
    ana, bogdan, dan = (make_user("technician", name=n) for n in ("Ana", "Bogdan", "Dan"))
    page = client.get(f"/desk/tickets/{job.id}").data.decode()
    assert 'name="catalog-required_technicians"' in page
    r = post(
        client,
        job,
        required_technicians=[ana.id, bogdan.id],
        prohibited_technicians=[dan.id],
        preferred_technician=bogdan.id,
    )
    assert r.status_code == 302, r.data[:600]
    t = fresh(job)
    assert t.technician_ids("required") == [ana.id, bogdan.id]
    assert t.technician_ids("prohibited") == [dan.id]
    assert t.technician_ids("preferred") == [bogdan.id]
    change = db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == job.id, TicketEvent.type == "fields")
    ).all()[-1]
    assert change.actor_id == dispatcher.id and change.internal
    assert change.data["new"]["required_technicians"] == ["Ana", "Bogdan"]
    assert change.data["new"]["preferred_technician"] == ["Bogdan"]
    # The form shows them again, selected.
    page = client.get(f"/desk/tickets/{job.id}").data.decode()
    assert (
        f'<option selected value="{dan.id}">Dan</option>'
        in page.split('name="catalog-prohibited_technicians"')[1].split("</select>")[0]
    )
    # Saved with nothing selected, they are cleared.
    assert post(client, fresh(job)).status_code == 302
    assert fresh(job).technicians == []


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ("unknown", "required_technicians", "Unknown technician 424242."),
        ("both", "prohibited_technicians", "both required and prohibited"),
        ("agent", "preferred_technician", "Unknown technician"),
        ("preferred prohibited", "preferred_technician", "The preferred technician is prohibited"),
    ],
)
def test_bad_choices_are_refused_naming_the_field(
    client, auth, job, make_user, values, field, message
):
    auth.login(role="dispatcher")
    tech, agent = make_user("technician"), make_user("agent")
    values = {
        "unknown": {"required_technicians": [424242]},
        "both": {"required_technicians": [tech.id], "prohibited_technicians": [tech.id]},
        "agent": {"preferred_technician": agent.id},
        "preferred prohibited": {
            "prohibited_technicians": [tech.id],
            "preferred_technician": tech.id,
        },
    }[values]
    r = post(client, job, **values)
    assert r.status_code == 400
    page = r.data.decode()
    assert message in page
    # The message stands beside its field.
    assert message in page.split(f'name="catalog-{field}"')[1][:1500]
    assert fresh(job).kind is None and fresh(job).technicians == []


@pytest.mark.parametrize("role", ["agent", "employee", "technician"])
def test_other_roles_cannot_set_rules(client, auth, job, make_user, role):
    tech = make_user("technician")
    auth.login(role=role)
    r = post(client, job, required_technicians=[tech.id])
    assert r.status_code == 404
    assert fresh(job).technicians == []


def test_the_form_needs_its_csrf_token(app, client, auth, job, make_user):
    tech = make_user("technician")
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert post(client, job, required_technicians=[tech.id]).status_code == 400
        assert fresh(job).technicians == []
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_remote_ticket_carries_no_technician_rules(client, auth, job, make_user):
    tech = make_user("technician")
    auth.login(role="dispatcher")
    assert post(client, job, prohibited_technicians=[tech.id]).status_code == 302
    assert fresh(job).technician_ids("prohibited") == [tech.id]
    assert post(client, fresh(job), kind="remote").status_code == 302
    assert fresh(job).technicians == []
