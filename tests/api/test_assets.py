"""The API's assets: the pages' rules (someone else's asset is a 404, only dispatchers and
admins change them), strict input, the OpenAPI document describing them."""

from __future__ import annotations

import pytest

from dispatch.assets.models import Asset
from dispatch.extensions import db


@pytest.fixture
def stock(make_site, make_user, make_asset, make_asset_type):
    site = make_site()
    ana = make_user("employee", site=site)
    kind = make_asset_type(
        name="Printer", fields=[{"key": "toner", "label": "Toner", "type": "text"}]
    )
    mine = make_asset(tag="LT-1", owner=ana, site=site, room="201")
    other = make_asset(tag="PR-2", type=kind, site=site, room="999")
    return dict(site=site, ana=ana, kind=kind, mine=mine, other=other)


def test_an_employee_lists_and_reads_only_what_they_see(api, stock):
    client = api(stock["ana"])
    listed = client.get("/api/v1/assets").get_json()
    assert [a["tag"] for a in listed["items"]] == ["LT-1"]
    assert client.get(f"/api/v1/assets/{stock['mine'].id}").status_code == 200
    hidden = client.get(f"/api/v1/assets/{stock['other'].id}")
    assert hidden.status_code == 404 and hidden.get_json()["error"] == "No such asset."
    refused = client.post("/api/v1/assets", json={"type": stock["kind"].id, "tag": "X"})
    assert refused.status_code == 403
    response = client.client.patch(
        f"/api/v1/assets/{stock['mine'].id}", json={"status": "retired"},
        headers={"Authorization": f"Bearer {client.token}"},
    )  # fmt: skip
    assert response.status_code == 403
    assert db.session.get(Asset, stock["mine"].id).status == "in_use"


def test_a_dispatcher_creates_searches_and_changes(api, stock):
    client = api(role="dispatcher")
    auth = {"Authorization": f"Bearer {client.token}"}
    body = {"type": stock["kind"].id, "tag": "pr-9", "site": stock["site"].id,
            "room": "12", "fields": {"toner": "CF259A"}, "purchased_on": "2025-02-01"}  # fmt: skip
    created = client.post("/api/v1/assets", json=body)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["tag"] == "PR-9" and data["fields"] == {"toner": "CF259A"}
    assert created.headers["Location"].endswith(f"/api/v1/assets/{data['id']}")
    clash = client.post("/api/v1/assets", json=body).get_json()
    assert clash["field"] == "tag" and clash["status"] == 400
    found = client.get("/api/v1/assets", query_string={"q": "cf259", "per_page": 1}).get_json()
    assert found["items"] == []  # the search is by tag, serial, model and room
    found = client.get("/api/v1/assets", query_string={"q": "pr-", "per_page": 1}).get_json()
    assert [a["tag"] for a in found["items"]] == ["PR-2"] and found["next"]
    nxt = client.get(found["next"]).get_json()
    assert [a["tag"] for a in nxt["items"]] == ["PR-9"]
    url = f"/api/v1/assets/{data['id']}"
    changed = client.client.patch(url, json={"status": "in_repair", "room": None, "version": 1},
                                  headers=auth)  # fmt: skip
    assert changed.status_code == 200
    assert (changed.get_json()["status"], changed.get_json()["room"]) == ("in_repair", "")
    assert changed.get_json()["fields"] == {"toner": "CF259A"}  # left out: kept
    stale = client.client.patch(url, json={"status": "spare", "version": 1}, headers=auth)
    assert stale.status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({"tag": "X-1"}, "type"),
        ({"type": 1, "tag": "bad tag"}, "tag"),
        ({"type": 1, "tag": "X-1", "purchased_on": "31/12/25"}, "purchased_on"),
        ({"type": 1, "tag": "X-1", "owner": 99999}, "owner"),
        ({"type": 1, "tag": "X-1", "fields": {"nope": 1}}, "fields.nope"),
        ({"type": 1, "tag": "X-1", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, stock, body, field):
    client = api(role="admin")
    if body.get("type") == 1:
        body = {**body, "type": stock["kind"].id}
    response = client.post("/api/v1/assets", json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_the_document_describes_the_asset_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/assets"]) == {"get", "post"}
    assert set(paths["/assets/{asset_id}"]) == {"get", "patch"}
