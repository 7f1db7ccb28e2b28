"""Creating, reading and listing tickets through the API, as the token's user."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket


def test_create_returns_201_location_and_ticket(api, make_site, make_category):
    site = make_site()
    category = make_category(
        fields=[
            {"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": True},
            {"key": "copies", "label": "Copies", "type": "number"},
        ]
    )
    a = api(role="employee")
    response = a.post(
        "/api/v1/tickets",
        json={
            "subject": "  Printer on 3rd floor jams ",
            "description": "Every page.",
            "site": site.id,
            "category": category.id,
            "building": "B",
            "floor": "3",
            "room": "301",
            "impact": "high",
            "urgency": "high",
            "fields": {"asset": "pr-0042", "copies": "12"},
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/tickets/{body['id']}")
    assert body["number"] == f"#{body['id']}"
    assert body["subject"] == "Printer on 3rd floor jams"
    assert body["status"] == "new" and body["kind"] is None
    assert body["priority"] == "urgent"
    assert body["channel"] == "api"
    assert body["site"] == {"id": site.id, "name": site.name}
    assert body["category"] == {"id": category.id, "name": category.name}
    assert body["fields"] == {"asset": "PR-0042", "copies": 12}
    assert (body["building"], body["floor"], body["room"]) == ("B", "3", "301")
    assert body["requester"] == {"id": a.user.id, "name": a.user.name, "email": a.user.email}
    assert body["suggestion"] is None  # an internal aid: not for the requester
    assert body["created_at"].endswith("Z") and "T" in body["created_at"]
    assert body["version"] == 1
    assert a.get(response.headers["Location"]).json == body


def test_create_validates_category_fields(api, make_category):
    category = make_category(
        fields=[
            {"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": True},
            {"key": "size", "label": "Size", "type": "choice", "choices": ["S", "M"]},
        ]
    )
    a = api()
    url = "/api/v1/tickets"
    response = a.post(url, json={"subject": "x", "category": category.id, "fields": {}})
    assert response.status_code == 400 and response.json["field"] == "fields.asset"
    response = a.post(
        url, json={"subject": "x", "category": category.id, "fields": {"asset": "A1", "size": "XL"}}
    )
    assert response.status_code == 400 and response.json["field"] == "fields.size"
    response = a.post(
        url,
        json={"subject": "x", "category": category.id, "fields": {"asset": "A1", "colour": "red"}},
    )
    assert response.status_code == 400 and response.json["field"] == "fields.colour"
    response = a.post(
        url, json={"subject": "x", "category": category.id, "fields": {"asset": ["A1"]}}
    )
    assert response.status_code == 400 and response.json["field"] == "fields.asset"
    response = a.post(url, json={"subject": "x", "fields": {"asset": "A1"}})
    assert response.status_code == 400 and response.json["field"] == "fields"


def test_staff_see_the_suggestion(api, make_category):
    category = make_category(default_kind="onsite")
    a = api(role="dispatcher")
    body = a.post("/api/v1/tickets", json={"subject": "Door lock", "category": category.id}).json
    assert body["suggestion"]["kind"] == "onsite"
    assert 0 < body["suggestion"]["confidence"] <= 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": 12}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": "x", "site": "abc"}, "site"),
        ({"subject": "x", "site": True}, "site"),
        ({"subject": "x", "site": 999999}, "site"),
        ({"subject": "x", "site": 2**40}, "site"),
        ({"subject": "x", "category": -1}, "category"),
        ({"subject": "x", "impact": "huge"}, "impact"),
        ({"subject": "x", "urgency": None}, "urgency"),
        ({"subject": "x", "stops_work": "yes"}, "stops_work"),
        ({"subject": "x", "fields": []}, "fields"),
        ({"subject": "x", "fields": {"n": 10**400}}, "fields.n"),
        ({"subject": "x", "floor": "f" * 41}, "floor"),
        ({"subject": "x", "description": ["a"]}, "description"),
        ({"subject": "x", "parent": 123456}, "parent"),
        ({"subject": "x", "latitude": 46.7}, "latitude"),
        ({"subject": "x\u0000"}, "subject"),
        ({"subject": "x", "requester": 1}, "requester"),
        ({"subject": "x", "status": "closed"}, "status"),
    ],
)
def test_bad_create_input_is_400_naming_the_field(api, payload, field):
    response = api().post("/api/v1/tickets", json=payload)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert response.json["status"] == 400
    assert response.json["error"]
    assert response.json["error"].startswith(f"{field}: ")  # the message names the field too
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_body_must_be_a_json_object(api):
    a = api()
    response = a.post(
        "/api/v1/tickets", data="subject=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and response.is_json
    response = a.post("/api/v1/tickets", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.json["field"] == "body"
    response = a.post("/api/v1/tickets", json=["subject", "x"])
    assert response.status_code == 400 and response.json["field"] == "body"
    response = a.post("/api/v1/tickets", data='{"subject": NaN}', content_type="application/json")
    assert response.status_code == 400
    response = a.post("/api/v1/tickets", data=b"\xff\xfe\x00", content_type="application/json")
    assert response.status_code == 400


def test_huge_body_is_413_json_naming_the_limit(api):
    a = api()
    response = a.post("/api/v1/tickets", json={"subject": "x", "description": "y" * 400_000})
    assert response.status_code == 413
    assert response.json["status"] == 413
    assert response.json["error"] == "The request is larger than the limit of 0.25 MB."
    assert response.json["limit_bytes"] == 256 * 1024


def test_parent_must_be_visible(api, make_ticket):
    a = api()
    others = make_ticket()
    mine = make_ticket(requester=a.user)
    response = a.post("/api/v1/tickets", json={"subject": "follow-up", "parent": others.id})
    assert response.status_code == 400 and response.json["field"] == "parent"
    response = a.post("/api/v1/tickets", json={"subject": "follow-up", "parent": mine.id})
    assert response.status_code == 201
    assert response.json["parent"] == {"id": mine.id, "number": mine.number}
    assert a.get(f"/api/v1/tickets/{mine.id}").json["children"] == [
        {"id": response.json["id"], "number": response.json["number"]}
    ]


def test_someone_elses_ticket_is_404(api, make_ticket):
    a = api()
    other = make_ticket()
    for path in (
        f"/api/v1/tickets/{other.id}",
        f"/api/v1/tickets/{other.id}/events",
        "/api/v1/tickets/987654",
        "/api/v1/tickets/99999999999999999999",
    ):
        response = a.get(path)
        assert response.status_code == 404, path
        assert response.json["status"] == 404
        assert other.subject not in response.get_data(as_text=True)


def test_employee_lists_only_own_tickets(api, make_ticket):
    a = api()
    mine = [make_ticket(requester=a.user) for _ in range(3)]
    make_ticket()
    body = a.get("/api/v1/tickets").json
    assert [t["id"] for t in body["items"]] == [t.id for t in reversed(mine)]
    assert body["next"] is None and body["next_cursor"] is None


def test_dispatcher_walks_every_page_by_its_next_link(api, make_ticket):
    made = [make_ticket().id for _ in range(5)]
    a = api(role="dispatcher")
    seen, url, pages = [], "/api/v1/tickets?per_page=2&status=new", 0
    while url:
        body = a.get(url).json
        assert body["per_page"] == 2
        seen += [t["id"] for t in body["items"]]
        url, pages = body["next"], pages + 1
        assert url is None or "status=new" in url  # the filters stay on the link
    assert seen == sorted(made, reverse=True) and pages == 3


def test_search_is_the_inbox_search(api, make_ticket):
    hit = make_ticket(subject="Sistem imprimantă", description="Nu merge")
    make_ticket(subject="Monitor")
    a = api(role="dispatcher")

    def ids(q):
        response = a.get("/api/v1/tickets", query_string={"q": q})
        assert response.status_code == 200, response.json
        return {t["id"] for t in response.json["items"]}

    assert ids("sistem IMPRIMANTA") == {hit.id}
    assert ids(f"#{hit.id}") == {hit.id}
    assert ids("imprimanta monitor") == set()


@pytest.mark.parametrize("cursor", ["garbage", "W10", "x" * 3000, "WyJpbmJveCIsImEiLFsxXV0"])
def test_a_bad_cursor_is_a_400_naming_it(api, make_ticket, cursor):
    make_ticket()
    response = api(role="dispatcher").get("/api/v1/tickets", query_string={"cursor": cursor})
    assert response.status_code == 400, response.json
    assert response.json["field"] == "cursor"


def test_filters(api, make_ticket, make_site, make_department, make_user):
    site_a, site_b = make_site(), make_site()
    dept = make_department()
    in_dept = make_user(department_id=dept.id)
    t1 = make_ticket(site_id=site_a.id)
    t2 = make_ticket(requester=in_dept, site_id=site_b.id)
    t3 = make_ticket(site_id=site_b.id)
    t3.kind, t3.status = "onsite", "to_schedule"
    db.session.commit()
    a = api(role="admin")

    def ids(query):
        response = a.get("/api/v1/tickets?" + query)
        assert response.status_code == 200, response.json
        return {t["id"] for t in response.json["items"]}

    assert ids(f"site={site_a.id}") == {t1.id}
    assert ids(f"site={site_b.id}") == {t2.id, t3.id}
    assert ids(f"department={dept.id}") == {t2.id}
    assert ids("status=new") == {t1.id, t2.id}
    assert ids("kind=onsite") == {t3.id}
    assert ids(f"kind=onsite&status=new&site={site_b.id}") == set()
    assert ids("status=&kind=") == {t1.id, t2.id, t3.id}


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=bogus", "status"),
        ("status=NEW", "status"),
        ("kind=both", "kind"),
        ("site=abc", "site"),
        ("site=-1", "site"),
        ("site=999999", "site"),
        ("department=1.5", "department"),
        ("department=424242", "department"),
        ("page=2", "page"),  # pages go by cursor
        ("q=" + "x" * 201, "q"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("status=new&status=closed", "status"),
        ("stauts=new", "stauts"),
    ],
)
def test_bad_filters_are_400_naming_the_field(api, query, field):
    response = api().get("/api/v1/tickets?" + query)
    assert response.status_code == 400, response.json
    assert response.json["field"] == field
    assert response.json["error"].startswith(f"{field}: ")


def test_events_hide_internal_ones_from_the_requester(api, make_ticket, make_user):
    a = api()
    ticket = make_ticket(requester=a.user)
    events = a.get(f"/api/v1/tickets/{ticket.id}/events").json["items"]
    assert [e["type"] for e in events] == ["created"]
    assert events[0]["actor"] == {"id": a.user.id, "name": a.user.name}
    assert events[0]["created_at"].endswith("Z")
    staff = api(role="dispatcher")
    types = [e["type"] for e in staff.get(f"/api/v1/tickets/{ticket.id}/events").json["items"]]
    assert types == ["created", "suggested"]


def test_categories_list_their_active_fields(api, make_category):
    make_category(
        name="Printers",
        fields=[
            {"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": True},
            {"key": "old", "label": "Old", "type": "text", "active": False},
        ],
    )
    make_category(name="Retired", active=False)
    items = api().get("/api/v1/categories").json["items"]
    assert [c["name"] for c in items] == ["Printers"]
    assert [f["key"] for f in items[0]["fields"]] == ["asset"]
    assert items[0]["fields"][0]["required"] is True
