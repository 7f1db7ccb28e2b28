"""Admin: categories and their extra fields, and how the fields then bind new tickets."""

import pytest
from sqlalchemy import func, select

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Skill
from dispatch.tickets.models import Category, CategoryField
from dispatch.tickets.services import NewTicket, create_ticket


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def category_data(**kw):
    data = {
        "name": "Printer broken",
        "description": "Paper jams, toner, drivers",
        "default_kind": "onsite",
        "default_duration_min": "45",
        "active": "y",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def field_data(**kw):
    data = {
        "label": "Asset tag",
        "key": "asset_tag",
        "type": "asset_tag",
        "required": "y",
        "choices": "",
        "help_text": "On the sticker",
        "position": "1",
        "active": "y",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(auth):
    return auth.login(role="admin")


def test_create_category_then_its_fields(client, admin):
    skill = Skill(name="Printers")
    db.session.add(skill)
    db.session.commit()
    response = client.post("/admin/categories/new", data=category_data(skill_ids=[skill.id]))
    category = db.session.scalar(select(Category))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/categories/{category.id}")
    assert (category.name, category.default_kind, category.default_duration_min) == (
        "Printer broken",
        "onsite",
        45,
    )
    assert category.skills == [skill]

    url = f"/admin/categories/{category.id}/fields/new"
    assert client.post(url, data=field_data()).status_code == 302
    response = client.post(
        url,
        data=field_data(
            label="Floor area",
            key="area",
            type="choice",
            required=None,
            position="2",
            choices="North wing\n\n South wing \n",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    tag, area = category.fields
    assert (tag.key, tag.type, tag.required, tag.help_text) == (
        "asset_tag",
        "asset_tag",
        True,
        "On the sticker",
    )
    assert (area.key, area.type, area.required, area.choices) == (
        "area",
        "choice",
        False,
        ["North wing", "South wing"],
    )
    body = client.get(f"/admin/categories/{category.id}").get_data(as_text=True)
    assert "asset_tag" in body and "North wing · South wing" in body
    assert "2" in client.get("/admin/categories").get_data(as_text=True)


def test_not_decided_kind_is_stored_as_none(client, admin):
    client.post("/admin/categories/new", data=category_data(default_kind=""))
    assert db.session.scalar(select(Category)).default_kind is None


@pytest.mark.parametrize("minutes", ["4", "1441", "-5", "abc", ""])
def test_default_duration_bounds(client, admin, minutes):
    response = client.post(
        "/admin/categories/new", data=category_data(default_duration_min=minutes)
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'value="Printer broken"' in body and "invalid-feedback" in body
    assert count(Category) == 0


def test_duplicate_category_name(client, admin, make_category):
    make_category(name="Printer broken")
    response = client.post("/admin/categories/new", data=category_data())
    assert "“Printer broken” already exists" in response.get_data(as_text=True)
    assert count(Category) == 1


@pytest.mark.parametrize("key", ["1abc", "Asset", "asset-tag", "asset tag", "_x", "a" * 41, "ä"])
def test_bad_field_keys(client, admin, make_category, key):
    category = make_category()
    response = client.post(
        f"/admin/categories/{category.id}/fields/new", data=field_data(key=key, label="Typed label")
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "invalid-feedback" in body and 'value="Typed label"' in body
    assert count(CategoryField) == 0


def test_good_field_keys(client, admin, make_category):
    category = make_category()
    for key in ("a", "serial_no2", "x" * 40):
        assert (
            client.post(
                f"/admin/categories/{category.id}/fields/new", data=field_data(key=key)
            ).status_code
            == 302
        )
    assert count(CategoryField) == 3


def test_choice_field_needs_choices(client, admin, make_category):
    category = make_category()
    response = client.post(
        f"/admin/categories/{category.id}/fields/new",
        data=field_data(type="choice", choices="  \n ", label="Which floor"),
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "A choice field needs at least one choice" in body
    assert 'value="Which floor"' in body
    response = client.post(
        f"/admin/categories/{category.id}/fields/new",
        data=field_data(type="choice", choices="A\nB\nA"),
    )
    assert "Each choice may appear only once" in response.get_data(as_text=True)
    assert count(CategoryField) == 0


def test_duplicate_key_in_a_category_but_fine_in_another(client, admin, make_category):
    first = make_category(fields=[{"key": "asset_tag", "label": "Tag"}])
    second = make_category()
    response = client.post(f"/admin/categories/{first.id}/fields/new", data=field_data())
    assert response.status_code == 200
    assert "already a field with the key “asset_tag”" in response.get_data(as_text=True)
    assert count(CategoryField) == 1
    assert (
        client.post(f"/admin/categories/{second.id}/fields/new", data=field_data()).status_code
        == 302
    )
    assert count(CategoryField) == 2


def test_fields_of_another_category_are_404(client, admin, make_category):
    a = make_category(fields=[{"key": "k", "label": "K"}])
    b = make_category()
    assert client.get(f"/admin/categories/{b.id}/fields/{a.fields[0].id}").status_code == 404
    assert client.get(f"/admin/categories/{a.id}/fields/999").status_code == 404


def test_admin_defined_fields_bind_new_tickets(client, admin, make_user):
    client.post("/admin/categories/new", data=category_data())
    category = db.session.scalar(select(Category))
    client.post(f"/admin/categories/{category.id}/fields/new", data=field_data())
    client.post(
        f"/admin/categories/{category.id}/fields/new",
        data=field_data(
            key="floor", label="Floor", type="choice", required=None, choices="Ground\nFirst"
        ),
    )
    requester = make_user()

    with pytest.raises(ValidationError) as exc:
        create_ticket(requester, NewTicket(subject="Jam", category_id=category.id))
    assert exc.value.field == "fields.asset_tag"
    with pytest.raises(ValidationError) as exc:
        create_ticket(
            requester,
            NewTicket(
                subject="Jam",
                category_id=category.id,
                fields={"asset_tag": "PR-1", "floor": "Roof"},
            ),
        )
    assert "fields.floor" in exc.value.errors

    ticket = create_ticket(
        requester,
        NewTicket(
            subject="Jam", category_id=category.id, fields={"asset_tag": "pr-1", "floor": "First"}
        ),
    )
    assert ticket.fields == {"asset_tag": "PR-1", "floor": "First"}

    # Once the admin makes it optional (or deactivates it), it no longer blocks requests.
    tag = category.fields[0]
    client.post(f"/admin/categories/{category.id}/fields/{tag.id}", data=field_data(required=None))
    assert create_ticket(requester, NewTicket(subject="Jam", category_id=category.id)).id


def test_field_key_locks_once_a_ticket_uses_it(client, admin, make_category, make_ticket):
    category = make_category(
        fields=[{"key": "serial", "label": "Serial"}, {"key": "unused", "label": "Unused"}]
    )
    serial, unused = category.fields
    make_ticket(category_id=category.id, fields={"serial": "S-1"})
    url = f"/admin/categories/{category.id}/fields/{serial.id}"
    assert "readonly" in client.get(url).get_data(as_text=True)

    response = client.post(
        url, data=field_data(key="serial_no", label="Serial number", type="text", required=None)
    )
    assert response.status_code == 200
    assert "Records already use the key “serial”" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (serial.key, serial.label) == ("serial", "Serial")

    # The label and everything else may change.
    assert (
        client.post(
            url, data=field_data(key="serial", label="Serial number", type="text", required=None)
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert serial.label == "Serial number"

    # A key no ticket holds can still be corrected.
    unused_url = f"/admin/categories/{category.id}/fields/{unused.id}"
    assert "readonly" not in client.get(unused_url).get_data(as_text=True)
    assert (
        client.post(
            unused_url, data=field_data(key="spare", label="Spare", type="text", required=None)
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert unused.key == "spare"


def test_deactivate_category(client, admin, make_category, make_user):
    category = make_category(name="Old")
    client.post(f"/admin/categories/{category.id}", data=category_data(name="Old", active=None))
    db.session.expire_all()
    assert not category.active
    with pytest.raises(ValidationError) as exc:
        create_ticket(make_user(), NewTicket(subject="x", category_id=category.id))
    assert exc.value.field == "category"
