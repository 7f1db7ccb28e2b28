"""Asset types and their extra fields, on the same admin forms and rules as categories'."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatch.assets.models import AssetType, AssetTypeField
from dispatch.audit.models import AdminEvent
from dispatch.extensions import db


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def _field(**kw):
    data = {"label": "Toner", "key": "toner", "type": "text", "position": "0", "active": "y"}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def test_create_a_type_then_its_fields(client, admin):
    response = client.post("/admin/asset-types/new", data={"name": "Printer", "active": "y"})
    kind = db.session.scalar(select(AssetType))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/asset-types/{kind.id}")
    url = f"/admin/asset-types/{kind.id}/fields/new"
    assert client.post(url, data=_field()).status_code == 302
    assert client.post(url, data=_field(key="Bad Key")).status_code == 200  # shown again
    clash = client.post(url, data=_field(label="Other")).get_data(as_text=True)
    assert "already a field with the key “toner”" in clash
    assert [(f.key, f.label) for f in kind.fields] == [("toner", "Toner")]
    page = client.get(f"/admin/asset-types/{kind.id}").get_data(as_text=True)
    assert "Toner" in page and f"/admin/asset-types/{kind.id}/fields/" in page
    kinds = {e.target_type for e in db.session.scalars(select(AdminEvent))}
    assert {"asset_type", "asset_type_field"} <= kinds
    again = client.post("/admin/asset-types/new", data={"name": "Printer "})
    assert again.status_code == 200 and "“Printer” already exists." in again.get_data(as_text=True)


def test_a_field_of_another_type_is_a_404(client, admin, make_asset_type):
    a = make_asset_type(fields=[{"key": "k", "label": "K"}])
    b = make_asset_type()
    assert client.get(f"/admin/asset-types/{a.id}/fields/{a.fields[0].id}").status_code == 200
    assert client.get(f"/admin/asset-types/{b.id}/fields/{a.fields[0].id}").status_code == 404
    assert client.get(f"/admin/asset-types/{b.id}/fields/999").status_code == 404
    assert client.get("/admin/asset-types/999/fields/new").status_code == 404


def test_a_key_assets_use_cannot_change(client, admin, make_asset_type, make_asset):
    kind = make_asset_type(fields=[{"key": "toner", "label": "Toner"}])
    field = kind.fields[0]
    make_asset(type=kind, fields={"toner": "CF259A"})
    response = client.post(
        f"/admin/asset-types/{kind.id}/fields/{field.id}", data=_field(key="cartridge")
    )
    assert "Records already use the key “toner”" in response.get_data(as_text=True)
    assert db.session.get(AssetTypeField, field.id).key == "toner"


def test_only_admins(client, auth):
    auth.login(role="dispatcher")
    assert client.get("/admin/asset-types").status_code == 404
