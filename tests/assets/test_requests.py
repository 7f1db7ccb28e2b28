"""Requests about a device: the form's choices, the link checked and made, the device's place
taken by a request that gives none, tickets filed before the device was known, and labels."""

from __future__ import annotations

import pytest

from dispatch.assets.services import AssetInput, save_asset
from dispatch.extensions import db
from dispatch.tickets.models import Ticket


@pytest.fixture
def office(make_site, make_user, make_asset, make_category, make_asset_type):
    site = make_site()
    ana = make_user("employee", site=site)
    hardware = make_category(
        name="Hardware",
        default_kind="onsite",
        fields=[{"key": "asset_tag", "label": "Asset tag", "type": "asset_tag", "required": True}],
    )
    printer_type = make_asset_type(name="Printer")
    laptop = make_asset(tag="LT-1", owner=ana, site=site, building="A", floor="2", room="201")
    printer = make_asset(tag="PR-1", type=printer_type, site=site, building="A", floor="2",
                         room="201", model="M404")  # fmt: skip
    hidden = make_asset(tag="PR-9", site=site, building="B", floor="1", room="101")
    return dict(site=site, ana=ana, hardware=hardware, laptop=laptop, printer=printer,
                hidden=hidden)  # fmt: skip


def _post(client, o, **over):
    data = {"site": str(o["site"].id), "category": str(o["hardware"].id),
            "subject": "Broken", "impact": "medium", "urgency": "medium"}  # fmt: skip
    data.update(over)
    return client.post("/tickets/new", data=data)


def test_the_form_offers_my_devices_and_the_room_s(client, auth, office):
    auth.login(office["ana"])
    page = client.get("/tickets/new").get_data(as_text=True)
    assert "LT-1" in page and "PR-1" not in page  # no room chosen yet
    room = client.get("/assets/in-room", query_string={"site": office["site"].id,
                      "building": "a", "floor": "2", "room": "201"}).get_json()  # fmt: skip
    assert [(a["tag"], a["what"]) for a in room["assets"]] == [
        ("LT-1", office["laptop"].type.name),
        ("PR-1", "M404"),
    ]


def test_a_chosen_device_is_linked_and_gives_its_place_and_tag(client, auth, office):
    auth.login(office["ana"])
    key = f"fields-{office['hardware'].id}-asset_tag"
    response = _post(client, office, asset=str(office["printer"].id), **{key: ""})
    # A required tag field stays required (the page's script fills it in from the choice).
    assert "Asset tag is required." in response.get_data(as_text=True)
    response = _post(client, office, asset=str(office["laptop"].id), **{key: "lt-1"})
    assert response.status_code == 302
    ticket = db.session.scalar(db.select(Ticket))
    assert ticket.asset_id == office["laptop"].id
    assert (ticket.building, ticket.floor, ticket.room) == ("A", "2", "201")
    assert [e.type for e in ticket.events if e.type == "asset"] == ["asset"]
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "<code>LT-1</code>" in page and "linked the device" in page


def test_a_typed_tag_links_its_device(client, auth, office):
    auth.login(office["ana"])
    key = f"fields-{office['hardware'].id}-asset_tag"
    assert (
        _post(client, office, room="201", building="A", floor="2", **{key: "pr-1"}).status_code
        == 302
    )
    assert db.session.scalar(db.select(Ticket)).asset_id == office["printer"].id


def test_a_device_the_requester_may_not_name_is_refused(client, auth, office):
    auth.login(office["ana"])
    key = f"fields-{office['hardware'].id}-asset_tag"
    response = _post(client, office, asset=str(office["hidden"].id), **{key: "X-1"})
    assert response.status_code == 400
    assert "Unknown device" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0
    # In the device's room, it may be named (it is there for anyone to see).
    room = dict(building="B", floor="1", room="101")
    assert (
        _post(client, office, asset=str(office["hidden"].id), **room, **{key: "X-1"}).status_code
        == 302
    )


def test_requests_filed_before_the_device_was_known_are_linked_when_it_arrives(
    office, make_ticket, make_user
):
    old = make_ticket(requester=office["ana"], category_id=office["hardware"].id,
                      fields={"asset_tag": "new-7"})  # fmt: skip
    assert old.asset_id is None
    admin = make_user("admin")
    asset = save_asset(None, admin, AssetInput(type_id=office["printer"].type_id, tag="NEW-7"))
    db.session.expire_all()
    assert db.session.get(Ticket, old.id).asset_id == asset.id


def test_a_scanned_label(client, auth, office, make_user):
    response = client.get("/a/pr-1")
    assert response.status_code == 302 and "/login" in response.location
    assert "next=%2Fa%2Fpr-1" in response.location
    auth.login(office["ana"])
    response = client.get("/a/pr-1")
    assert response.status_code == 302 and response.location.endswith("/tickets/new?asset=PR-1")
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="201"' in page and "Problem with Printer PR-1" in page
    assert f'<option value="{office["printer"].id}" data-tag="PR-1" selected>' in page
    assert 'value="PR-1"' in page  # the category's tag field, filled in
    missing = client.get("/a/NOPE-1")
    assert missing.status_code == 404 and "No asset has the tag NOPE-1" in missing.get_data(
        as_text=True
    )
    auth.login(make_user("technician"))
    response = client.get("/a/PR-1")
    assert response.location.endswith(f"/assets/{office['printer'].id}")


def test_labels_are_an_a4_pdf_with_a_code_per_device(client, auth, office, make_user):
    auth.login(office["ana"])
    assert client.get(f"/assets/labels.pdf?site={office['site'].id}").status_code == 404
    auth.login(make_user("admin"))
    response = client.get(f"/assets/labels.pdf?site={office['site'].id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in response.data  # A4 in points
    chosen = client.get("/assets/labels.pdf?tags=pr-1,lt-1")
    assert chosen.status_code == 200
    assert client.get("/assets/labels.pdf").status_code == 302
