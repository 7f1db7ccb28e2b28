"""Ad-hoc job addresses: the dispatcher's catalogue geocodes them, never blocking."""

from __future__ import annotations

from datetime import time

from dispatch.extensions import db
from dispatch.planning.problem import ticket_point
from dispatch.tickets.models import Ticket, TicketEvent


def _catalog(client, ticket, **values):
    data = {
        "catalog-version": ticket.version,
        "catalog-kind": "onsite",
        "catalog-priority": "normal",
        "catalog-category": "",
        "catalog-assignee": "",
        "catalog-group": "",
    }
    data.update({f"catalog-{k}": v for k, v in values.items()})
    return client.post(f"/desk/tickets/{ticket.id}/catalog", data=data)


def _fresh(ticket):
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


def _job(make_site, make_ticket):
    site = make_site(opens_at=time(8), closes_at=time(17), latitude=45.75, longitude=21.23)
    return make_ticket(site_id=site.id, subject="Projector at the client's office")


def test_job_address_is_geocoded_and_planned_there(client, auth, nominatim, make_site, make_ticket):
    ticket = _job(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = _catalog(client, ticket, address="Strada Memorandumului 28, Cluj-Napoca")
    assert response.status_code == 302, response.data[:800]
    t = _fresh(ticket)
    assert t.address == "Strada Memorandumului 28, Cluj-Napoca"
    assert (round(t.latitude, 4), round(t.longitude, 4)) == (46.7695, 23.5861)
    assert ticket_point(t) == (t.latitude, t.longitude)  # its own point, not the site's
    fields = [
        e
        for e in db.session.scalars(db.select(TicketEvent).where(TicketEvent.ticket_id == t.id))
        if e.type == "fields"
    ]
    assert fields and fields[-1].data["new"]["address"] == t.address
    # Saving the same address again does not ask the geocoder again.
    asked = len(nominatim.requests)
    _catalog(client, t, address="Strada Memorandumului 28, Cluj-Napoca")
    assert len(nominatim.requests) == asked


def test_unreachable_geocoder_saves_address_without_point(
    client, auth, geocoder_down, make_site, make_ticket
):
    ticket = _job(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = _catalog(client, ticket, address="Bulevardul Unirii 15, Bucuresti")
    assert response.status_code == 302, response.data[:800]
    t = _fresh(ticket)
    assert t.address == "Bulevardul Unirii 15, Bucuresti"
    assert t.latitude is None and t.longitude is None
    assert ticket_point(t) is None  # "no location" for the planner, not the site's point


def test_address_not_sent_keeps_it_and_site_point_used_without_one(
    client, auth, nominatim, make_site, make_ticket
):
    ticket = _job(make_site, make_ticket)
    auth.login(role="dispatcher")
    assert ticket_point(ticket) == (45.75, 21.23)
    _catalog(client, ticket, address="Strada Republicii 40, Brasov")
    t = _fresh(ticket)
    data = {
        "catalog-version": t.version,
        "catalog-kind": "onsite",
        "catalog-priority": "high",
        "catalog-category": "",
        "catalog-assignee": "",
        "catalog-group": "",
    }
    assert client.post(f"/desk/tickets/{t.id}/catalog", data=data).status_code == 302
    t = _fresh(ticket)
    assert t.address == "Strada Republicii 40, Brasov" and t.latitude is not None
    _catalog(client, t, address="")
    t = _fresh(ticket)
    assert (t.address, t.latitude) == ("", None) and ticket_point(t) == (45.75, 21.23)


def test_address_shown_escaped_in_panel(client, auth, nominatim, make_site, make_ticket):
    ticket = _job(make_site, make_ticket)
    auth.login(role="dispatcher")
    _catalog(client, ticket, address="<script>x</script> 1 Main St")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt; 1 Main St" in page and "<script>x</script>" not in page
