"""Job addresses from the bulk catalogue and the JSON API, addresses nobody can locate, and
placing a job on the map by hand."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from dispatch.extensions import db
from dispatch.people.services import create_token
from dispatch.planning import problem as builder
from dispatch.planning.engine_reasons import say
from dispatch.sites.geocoding import GeocodeCache
from dispatch.tickets.models import Kind, Status, Ticket, TicketEvent
from dispatch.types import utcnow

KNOWN = "Strada Memorandumului 28, Cluj-Napoca"
UNKNOWN = "Strada Inexistenta 999, Nicaieri"


def _fresh(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _jobs(make_site, make_ticket, n=2):
    site = make_site(opens_at=time(8), closes_at=time(17), latitude=45.75, longitude=21.23)
    return [make_ticket(site_id=site.id, subject=f"Job {k}") for k in range(n)]


def _bulk(client, tickets, **values):
    data = {
        "ticket": [f"{t.id}:{t.version}" for t in tickets],
        "kind": "onsite",
        "category": "",
        "priority": "",
        "next": "/desk/",
    }
    data.update(values)
    return client.post("/desk/bulk", data=data)


def _onsite_without_point(make_site, make_ticket, address=UNKNOWN):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    ticket.kind, ticket.status, ticket.address = Kind.ONSITE, Status.TO_SCHEDULE, address
    db.session.commit()
    return ticket


# --- the bulk catalogue -------------------------------------------------------------------------


def test_bulk_catalogue_geocodes_one_address_for_all(
    client, auth, nominatim, make_site, make_ticket
):
    tickets = _jobs(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = _bulk(client, tickets, address=f"  {KNOWN}  ")
    assert response.status_code == 302
    assert len(nominatim.requests) == 1  # once for the whole selection
    for t in tickets:
        t = _fresh(t.id)
        assert t.kind == Kind.ONSITE and t.address == KNOWN
        assert (round(t.latitude, 4), round(t.longitude, 4)) == (46.7695, 23.5861)
        assert builder.ticket_point(t) == (t.latitude, t.longitude)
        assert any(e.type == "fields" and e.data["new"].get("address") == KNOWN for e in t.events)
    # Cached: the same address again does not ask the geocoder.
    more = _jobs(make_site, make_ticket, 1)
    _bulk(client, more, address=KNOWN.upper())
    assert len(nominatim.requests) == 1 and _fresh(more[0].id).latitude is not None


def test_bulk_without_address_keeps_each_tickets_own(
    client, auth, nominatim, make_site, make_ticket
):
    tickets = _jobs(make_site, make_ticket)
    auth.login(role="dispatcher")
    _bulk(client, tickets[:1], address=KNOWN)
    _bulk(client, [_fresh(t.id) for t in tickets], address="")
    assert _fresh(tickets[0].id).address == KNOWN
    assert _fresh(tickets[1].id).address == ""


def test_bulk_unknown_address_is_saved_and_listed_as_needing_a_location(
    client, auth, nominatim, make_site, make_ticket
):
    tickets = _jobs(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = _bulk(client, tickets, address=UNKNOWN)
    assert response.status_code == 302
    with client.get("/desk/") as page:
        assert "Nothing was changed" not in page.get_data(as_text=True)
    for t in tickets:
        t = _fresh(t.id)
        assert t.address == UNKNOWN and t.latitude is None
        assert builder.ticket_point(t) is None
    miss = db.session.scalar(db.select(GeocodeCache))
    assert miss is not None and not miss.found  # the miss is cached too
    built = builder.build(utcnow().date(), 1, now=utcnow())
    listed = {u["ticket_id"]: u for u in built.unplannable}
    for t in tickets:
        assert listed[t.id]["needs_location"]
        assert "could not be located" in say(listed[t.id]["reason"])


@pytest.mark.parametrize(
    "address, message",
    [
        ("x" * 301, "At most 300 characters."),
        ("Strada \x07Bell 1", "control characters"),
        ("Strada \x1b[31mRed 1", "control characters"),
    ],
)
def test_bulk_bad_address_changes_nothing(
    client, auth, nominatim, make_site, make_ticket, address, message
):
    tickets = _jobs(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = _bulk(client, tickets, address=address)
    assert response.status_code == 302
    page = client.get("/desk/").get_data(as_text=True)
    assert "Nothing was changed" in page and message in page
    for t in tickets:
        t = _fresh(t.id)
        assert t.kind is None and t.address == ""
    assert nominatim.requests == []


def test_bulk_address_for_remote_tickets_is_refused(
    client, auth, nominatim, make_site, make_ticket
):
    tickets = _jobs(make_site, make_ticket)
    auth.login(role="dispatcher")
    _bulk(client, tickets, kind="remote", address=KNOWN)
    page = client.get("/desk/").get_data(as_text=True)
    assert "Only on-site jobs have an address." in page
    assert _fresh(tickets[0].id).kind is None


def test_bulk_spaces_and_newlines_are_collapsed(client, auth, nominatim, make_site, make_ticket):
    tickets = _jobs(make_site, make_ticket, 1)
    auth.login(role="dispatcher")
    _bulk(client, tickets, address="Strada Memorandumului 28,\r\n\tCluj-Napoca")
    assert _fresh(tickets[0].id).address == "Strada Memorandumului 28, Cluj-Napoca"


# --- the JSON API -------------------------------------------------------------------------------


def _api_headers(user):
    return {"Authorization": f"Bearer {create_token(user)}"}


def _triage(client, user, ticket, **body):
    body = {"kind": "onsite", "version": ticket.version, **body}
    return client.post(f"/api/v1/tickets/{ticket.id}/triage", json=body, headers=_api_headers(user))


def test_api_triage_geocodes_the_address(client, make_user, nominatim, make_site, make_ticket):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    boss = make_user("dispatcher")
    response = _triage(client, boss, ticket, address=KNOWN)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["address"] == KNOWN and body["needs_location"] is False
    assert round(body["latitude"], 4) == 46.7695
    # Left out: kept. null: cleared (the site's point is used again).
    t = _fresh(ticket.id)
    body = _triage(client, boss, t, priority="high").json
    assert body["address"] == KNOWN and body["latitude"] is not None
    body = _triage(client, boss, _fresh(ticket.id), address=None).json
    assert body["address"] == "" and body["latitude"] is None
    assert builder.ticket_point(_fresh(ticket.id)) == (45.75, 21.23)
    assert len(nominatim.requests) == 1


def test_api_unknown_address_is_saved_not_an_error(
    client, make_user, nominatim, make_site, make_ticket
):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    response = _triage(client, make_user("dispatcher"), ticket, address=UNKNOWN)
    assert response.status_code == 200
    assert response.json["address"] == UNKNOWN and response.json["needs_location"] is True
    assert response.json["latitude"] is None


def test_api_geocoder_down_saves_the_address(
    client, make_user, geocoder_down, make_site, make_ticket
):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    response = _triage(client, make_user("dispatcher"), ticket, address=KNOWN)
    assert response.status_code == 200
    assert response.json["needs_location"] is True


@pytest.mark.parametrize(
    "address, message",
    [
        ("x" * 301, "At most 300 characters."),
        ("Strada \x07 1", "control characters"),
        (12, "Must be a string."),
        (["Strada"], "Must be a string."),
    ],
)
def test_api_bad_address_is_refused(
    client, make_user, nominatim, make_site, make_ticket, address, message
):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    response = _triage(client, make_user("dispatcher"), ticket, address=address)
    assert response.status_code == 400
    assert response.json["field"] == "address" and message in response.json["error"]
    assert _fresh(ticket.id).kind is None and nominatim.requests == []


def test_api_address_needs_the_dispatcher_role(
    client, make_user, nominatim, make_site, make_ticket
):
    (ticket,) = _jobs(make_site, make_ticket, 1)
    for role in ("employee", "agent", "technician"):
        assert _triage(client, make_user(role), ticket, address=KNOWN).status_code == 404
    assert _fresh(ticket.id).address == ""


# --- the desk panel and the point picker --------------------------------------------------------


def test_panel_says_when_the_address_could_not_be_located(
    client, auth, nominatim, make_site, make_ticket
):
    ticket = _onsite_without_point(make_site, make_ticket)
    auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "This address could not be located: set the point on the map." in page
    assert f'href="/desk/tickets/{ticket.id}/point"' in page
    ticket.latitude, ticket.longitude = 46.7, 23.6
    db.session.commit()
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "could not be located" not in page and f"/desk/tickets/{ticket.id}/point" in page


def test_dispatcher_places_the_job_on_the_map(client, auth, make_site, make_ticket):
    ticket = _onsite_without_point(make_site, make_ticket)
    user = auth.login(role="dispatcher")
    page = client.get(f"/desk/tickets/{ticket.id}/point")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-point-map" in html and 'data-lat-input="point-latitude"' in html
    assert "js/point-map.js" in html and UNKNOWN in html
    response = client.post(
        f"/desk/tickets/{ticket.id}/point",
        data={
            "point-version": ticket.version,
            "point-latitude": "46.7712341",
            "point-longitude": "23.6012339",
        },
    )
    assert response.status_code == 302 and response.location.endswith(f"/tickets/{ticket.id}")
    t = _fresh(ticket.id)
    assert (t.latitude, t.longitude) == (46.771234, 23.601234)  # rounded to ~10 cm
    assert builder.ticket_point(t) == (t.latitude, t.longitude)
    event = db.session.scalars(
        db.select(TicketEvent).where(TicketEvent.ticket_id == t.id, TicketEvent.type == "fields")
    ).all()[-1]
    assert event.actor_id == user.id and event.internal
    assert event.data["new"] == {"latitude": 46.771234, "longitude": 23.601234}
    monday = utcnow().date() + timedelta(days=7 - utcnow().weekday())
    built = builder.build(monday, 1, now=utcnow())
    assert t.id not in {u["ticket_id"] for u in built.unplannable}
    assert t.id in {j.id for j in built.problem.jobs}


@pytest.mark.parametrize(
    "values, field_error",
    [
        ({"point-latitude": "95", "point-longitude": "23"}, "between"),
        ({"point-latitude": "46.7", "point-longitude": ""}, "Enter both latitude and longitude"),
        ({"point-latitude": "north", "point-longitude": "23"}, "Not a valid float value."),
    ],
)
def test_bad_points_are_refused(client, auth, make_site, make_ticket, values, field_error):
    ticket = _onsite_without_point(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = client.post(
        f"/desk/tickets/{ticket.id}/point", data={"point-version": ticket.version, **values}
    )
    assert response.status_code == 400
    assert field_error in response.get_data(as_text=True)
    assert _fresh(ticket.id).latitude is None


def test_stale_point_edit_is_a_conflict(client, auth, make_site, make_ticket):
    ticket = _onsite_without_point(make_site, make_ticket)
    auth.login(role="dispatcher")
    response = client.post(
        f"/desk/tickets/{ticket.id}/point",
        data={
            "point-version": ticket.version - 1 if ticket.version > 1 else 99,
            "point-latitude": "46.7",
            "point-longitude": "23.6",
        },
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert _fresh(ticket.id).latitude is None


def test_point_page_is_for_dispatchers_only(client, auth, make_site, make_ticket, make_user):
    ticket = _onsite_without_point(make_site, make_ticket)
    for role in ("employee", "agent", "technician"):
        auth.login(role=role)
        assert client.get(f"/desk/tickets/{ticket.id}/point").status_code == 404
        assert (
            client.post(
                f"/desk/tickets/{ticket.id}/point",
                data={
                    "point-version": ticket.version,
                    "point-latitude": "46.7",
                    "point-longitude": "23.6",
                },
            ).status_code
            == 404
        )
        auth.logout()
    assert _fresh(ticket.id).latitude is None
    auth.login(role="dispatcher")
    assert client.get("/desk/tickets/999999/point").status_code == 404
    (remote,) = _jobs(make_site, make_ticket, 1)
    remote.kind = Kind.REMOTE
    db.session.commit()
    assert client.get(f"/desk/tickets/{remote.id}/point").status_code == 404


def test_point_form_refuses_a_missing_csrf_token(app, client, auth, make_site, make_ticket):
    ticket = _onsite_without_point(make_site, make_ticket)
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        f"/desk/tickets/{ticket.id}/point",
        data={"point-version": ticket.version, "point-latitude": "46.7", "point-longitude": "23.6"},
    )
    assert response.status_code == 400
    assert _fresh(ticket.id).latitude is None


def test_inbox_bulk_form_has_the_address_field(client, auth):
    auth.login(role="dispatcher")
    page = client.get("/desk/inbox").get_data(as_text=True)
    form = page[page.index('id="bulk"') :]
    form = form[: form.index("</form>")]
    assert 'name="address"' in form and "Job address" in form
