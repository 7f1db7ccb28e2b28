"""The requester side: the new-request form, follow-ups, "My requests", nearest site."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Ticket

HARDWARE_FIELDS = [
    {
        "key": "device",
        "label": "Device type",
        "type": "choice",
        "required": True,
        "choices": ["Laptop", "Printer", "Phone"],
    },
    {"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": True},
    {"key": "model", "label": "Make / model", "type": "text", "required": False},
]
SOFTWARE_FIELDS = [
    {"key": "application", "label": "Application", "type": "text", "required": True},
    {"key": "version", "label": "Version", "type": "number", "required": False},
]


def tickets():
    return list(db.session.scalars(db.select(Ticket).order_by(Ticket.id)))


def post_new(client, **data):
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


@pytest.fixture
def employee(auth, make_user, make_site, make_department):
    site = make_site(name="Headquarters")
    user = make_user(
        "employee", name="Ana Pop", site=site, department=make_department(name="Finance")
    )
    auth.login(user)
    return user


def test_form_shows_profile_and_defaults_to_own_site(client, employee, make_site):
    other = make_site(name="Warehouse")
    response = client.get("/tickets/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ana Pop" in page and "Finance" in page
    assert 'name="requester"' not in page and 'name="department"' not in page  # shown, not editable
    assert re.search(
        rf'<option selected value="{employee.site_id}">'
        rf'|<option value="{employee.site_id}" selected',
        page,
    )
    assert f'value="{other.id}"' in page
    assert "ticket_form.js" in page and "<script>" not in page  # no inline script (CSP)


def test_every_category_group_is_rendered_only_chosen_enabled(client, employee, make_category):
    hw = make_category(name="Hardware", fields=HARDWARE_FIELDS)
    sw = make_category(name="Software", fields=SOFTWARE_FIELDS)
    page = client.get("/tickets/new").get_data(as_text=True)
    for cat in (hw, sw):
        assert re.search(rf'data-category="{cat.id}" hidden disabled', page)
    assert f'name="fields-{hw.id}-asset"' in page and f'name="fields-{sw.id}-application"' in page


def test_submit_creates_ticket_and_redirects_with_number(
    client, employee, make_category, make_site
):
    hw = make_category(name="Hardware", fields=HARDWARE_FIELDS)
    sw = make_category(name="Software", fields=SOFTWARE_FIELDS)
    annex = make_site(name="Annex")
    response = post_new(
        client,
        site=str(annex.id),
        building="B",
        floor="2",
        room="204",
        category=str(hw.id),
        subject="Printer jams",
        description="Every page.",
        impact="high",
        urgency="high",
        **{
            f"fields-{hw.id}-device": "Printer",
            f"fields-{hw.id}-asset": "pr-0042",
            # another category's group: not chosen, so never considered
            f"fields-{sw.id}-application": "ignored",
        },
    )
    assert response.status_code == 302
    [ticket] = tickets()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")
    assert (ticket.site_id, ticket.building, ticket.floor, ticket.room) == (
        annex.id,
        "B",
        "2",
        "204",
    )
    assert ticket.fields == {"device": "Printer", "asset": "PR-0042"}
    assert ticket.priority == "urgent" and ticket.department_id == employee.department_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Your request is {ticket.number}" in page


def test_missing_required_fields_reshow_form_with_errors_and_text_kept(
    client, employee, make_category
):
    hw = make_category(name="Hardware", fields=HARDWARE_FIELDS)
    response = post_new(
        client,
        site=str(employee.site_id),
        category=str(hw.id),
        subject="",
        description="My long explanation",
        impact="medium",
        urgency="medium",
        **{f"fields-{hw.id}-model": "HP 4000"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Say in a few words what is wrong." in page  # subject
    assert "Device type is required." in page and "Asset tag is required." in page  # extra fields
    assert "My long explanation" in page and 'value="HP 4000"' in page
    assert re.search(rf'data-category="{hw.id}">', page)  # the chosen group is shown again
    assert tickets() == []


def test_extra_field_errors_from_the_service(client, employee, make_category):
    sw = make_category(name="Software", fields=SOFTWARE_FIELDS)
    response = post_new(
        client,
        category=str(sw.id),
        subject="Excel crashes",
        impact="low",
        urgency="low",
        **{f"fields-{sw.id}-application": "Excel", f"fields-{sw.id}-version": "sixteen"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a number." in page and 'value="sixteen"' in page
    assert tickets() == []


@pytest.mark.parametrize(
    "name, value", [("site", "9999"), ("site", "abc"), ("category", "4242"), ("category", "x<b>")]
)
def test_unknown_site_or_category_is_400_naming_it(client, employee, name, value):
    data = {"subject": "Help", "impact": "medium", "urgency": "medium", name: value}
    response = post_new(client, **data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    shown = value.replace("<", "&lt;").replace(">", "&gt;")
    assert f"Unknown {name} {shown}" in page
    assert "<b>" not in page.split("<main", 1)[1]
    assert tickets() == []


def test_inactive_site_is_unknown(client, employee, make_site):
    closed = make_site(name="Old office", active=False)
    response = post_new(
        client, site=str(closed.id), subject="Help", impact="medium", urgency="medium"
    )
    assert response.status_code == 400
    assert f"Unknown site {closed.id}" in response.get_data(as_text=True)


def test_bad_impact_is_a_field_error(client, employee):
    response = post_new(client, subject="Help", impact="extreme", urgency="medium")
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert tickets() == []


def test_position_is_stored_and_checked(client, employee):
    ok = post_new(
        client,
        subject="Lost in the car park",
        impact="low",
        urgency="low",
        latitude="46.7712",
        longitude="23.6236",
    )
    assert ok.status_code == 302
    assert (tickets()[0].latitude, tickets()[0].longitude) == (46.7712, 23.6236)
    bad = post_new(
        client, subject="Somewhere", impact="low", urgency="low", latitude="95", longitude="10"
    )
    assert bad.status_code == 200
    assert "valid latitude and longitude" in bad.get_data(as_text=True)
    junk = post_new(
        client, subject="Somewhere", impact="low", urgency="low", latitude="nan", longitude="x"
    )
    assert junk.status_code == 200 and len(tickets()) == 1


def test_html_in_description_is_text(client, employee):
    post_new(
        client,
        subject="<b>bold</b>",
        description="<script>alert(1)</script>\n  indented",
        impact="low",
        urgency="low",
    )
    page = client.get(f"/tickets/{tickets()[0].id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n  indented" in page
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page


def test_csrf_token_is_required(app, client, employee):
    app.config["WTF_CSRF_ENABLED"] = True
    refused = post_new(client, subject="No token", impact="low", urgency="low")
    assert refused.status_code == 400
    assert tickets() == []
    page = client.get("/tickets/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = post_new(client, subject="With token", impact="low", urgency="low", csrf_token=token)
    assert accepted.status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get("/tickets/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def limited_app(app):
    """The same app with rate limits on (the suite runs with them off)."""
    from dispatch import create_app
    from dispatch.extensions import limiter

    config = dict(app.config)
    config.update(RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="2 per hour")
    limited = create_app(
        {
            k: config[k]
            for k in (
                "TESTING",
                "SECRET_KEY",
                "SQLALCHEMY_DATABASE_URI",
                "WTF_CSRF_ENABLED",
                "ATTACHMENT_DIR",
                "SERVER_NAME",
                "RATELIMIT_ENABLED",
                "SUBMIT_RATE_LIMIT",
            )
        }
    )
    yield limited
    limiter.enabled = False
    with limited.app_context():
        db.engine.dispose()


def test_submissions_are_rate_limited(limited_app, make_user):
    user = make_user("employee")
    client = limited_app.test_client()
    assert (
        client.post(
            "/login", data={"email": user.email, "password": "correct horse battery staple"}
        ).status_code
        == 302
    )
    codes = [
        client.post(
            "/tickets/new", data={"subject": f"Spam {i}", "impact": "low", "urgency": "low"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [302, 302, 429]
    assert client.get("/tickets/new").status_code == 200  # only submissions are limited
    assert len(tickets()) == 2


# --- follow-up ---------------------------------------------------------------------------------


def test_follow_up_is_prefilled_and_linked(client, employee, make_ticket, make_category, make_site):
    hw = make_category(name="Hardware", fields=HARDWARE_FIELDS)
    annex = make_site(name="Annex")
    parent = make_ticket(
        requester=employee,
        subject="Printer jams",
        site_id=annex.id,
        category_id=hw.id,
        building="B",
        room="204",
        fields={"device": "Printer", "asset": "PR-1"},
    )
    page = client.get(f"/tickets/{parent.id}/follow-up").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{annex.id}">|<option value="{annex.id}" selected', page
    )
    assert 'value="204"' in page and 'value="PR-1"' in page
    assert f"Follow-up to {parent.number}" in page
    response = post_new_follow_up(
        client,
        parent.id,
        site=str(annex.id),
        category=str(hw.id),
        subject="Again",
        impact="low",
        urgency="low",
        **{f"fields-{hw.id}-device": "Printer", f"fields-{hw.id}-asset": "PR-1"},
    )
    assert response.status_code == 302
    child = tickets()[-1]
    assert child.parent_id == parent.id
    detail = client.get(f"/tickets/{parent.id}").get_data(as_text=True)
    assert f'href="/tickets/{child.id}"' in detail


def post_new_follow_up(client, parent_id, **data):
    return client.post(
        f"/tickets/{parent_id}/follow-up", data=data, content_type="multipart/form-data"
    )


def test_follow_up_of_someone_elses_ticket_is_404(client, employee, make_ticket):
    other = make_ticket()
    assert client.get(f"/tickets/{other.id}/follow-up").status_code == 404
    assert (
        post_new_follow_up(client, other.id, subject="x", impact="low", urgency="low").status_code
        == 404
    )
    assert len(tickets()) == 1


# --- my requests -------------------------------------------------------------------------------


def test_my_requests_newest_first_with_status_and_next_step(client, employee, make_ticket):
    first = make_ticket(requester=employee, subject="Older one")
    second = make_ticket(requester=employee, subject="Newer one")
    make_ticket(subject="Someone else's")
    page = client.get("/tickets/mine").get_data(as_text=True)
    assert page.index("Newer one") < page.index("Older one")
    assert "Someone else" not in page
    assert "A dispatcher will look at your request" in page  # next step for "new"
    assert f'href="/tickets/{first.id}"' in page and f'href="/tickets/{second.id}"' in page


def test_my_requests_paginate(app, client, employee, make_ticket):
    app.config["TICKETS_PER_PAGE"] = 2
    for i in range(5):
        make_ticket(requester=employee, subject=f"Request number {i}")
    page1 = client.get("/tickets/mine").get_data(as_text=True)
    page3 = client.get("/tickets/mine?page=3").get_data(as_text=True)
    assert "Request number 4" in page1 and "Request number 2" not in page1
    assert "Request number 0" in page3 and "Request number 4" not in page3
    assert client.get("/tickets/mine?page=99").status_code == 200
    assert client.get("/tickets/mine?page=-1&show=bogus").status_code == 200


def test_my_requests_filter_open_and_done(client, employee, make_ticket):
    from dispatch.tickets.models import Status

    done = make_ticket(requester=employee, subject="Finished business")
    done.status = Status.CLOSED
    db.session.commit()
    make_ticket(requester=employee, subject="Still broken")
    open_page = client.get("/tickets/mine?show=open").get_data(as_text=True)
    done_page = client.get("/tickets/mine?show=done").get_data(as_text=True)
    assert "Still broken" in open_page and "Finished business" not in open_page
    assert "Finished business" in done_page and "Still broken" not in done_page


def test_department_viewer_sees_department_requests(
    client, auth, make_user, make_department, make_ticket
):
    finance, sales = make_department(name="Finance"), make_department(name="Sales")
    colleague = make_user("employee", department=finance)
    outsider = make_user("employee", department=sales)
    make_ticket(requester=colleague, subject="Colleague's laptop")
    make_ticket(requester=outsider, subject="Sales printer")
    viewer = auth.login(make_user("employee", department=finance, sees_department=True))
    page = client.get("/tickets/mine").get_data(as_text=True)
    assert "Colleague&#39;s laptop" in page and "Sales printer" not in page
    assert f"by {colleague.name}" in page
    ticket_id = tickets()[0].id
    assert client.get(f"/tickets/{ticket_id}").status_code == 200
    auth.logout()
    auth.login(make_user("employee", department=finance))  # without the permission
    assert "Colleague" not in client.get("/tickets/mine").get_data(as_text=True)
    assert client.get(f"/tickets/{ticket_id}").status_code == 404
    assert viewer.sees_department


def test_staff_my_requests_are_their_own(client, auth, make_ticket):
    agent = auth.login(role="agent")
    make_ticket(subject="Queue ticket")  # visible to the agent in the queue, not "mine"
    make_ticket(requester=agent, subject="Agent's own")
    page = client.get("/tickets/mine").get_data(as_text=True)
    assert "Agent&#39;s own" in page and "Queue ticket" not in page


# --- nearest site ------------------------------------------------------------------------------


def test_nearest_site_by_great_circle(client, employee, make_site):
    make_site(name="Cluj", latitude=46.77, longitude=23.59)
    bucharest = make_site(name="Bucharest", latitude=44.43, longitude=26.10)
    make_site(name="Nowhere", latitude=None, longitude=None)
    make_site(name="Closed", latitude=44.43, longitude=26.11, active=False)
    response = client.get("/tickets/nearest-site?lat=44.45&lon=26.08")
    assert response.status_code == 200
    assert response.json["site"]["id"] == bucharest.id
    assert 0 < response.json["site"]["km"] < 5
    assert response.json["site"]["distance"] == f"{response.json['site']['km']:.1f}"


@pytest.mark.parametrize(
    "query", ["", "?lat=91&lon=0", "?lat=nan&lon=1", "?lat=1&lon=abc", "?lat=inf&lon=2"]
)
def test_nearest_site_refuses_bad_positions(client, employee, query):
    response = client.get("/tickets/nearest-site" + query)
    assert response.status_code == 400
    assert "latitude" in response.json["error"]


def test_nearest_site_needs_login(client):
    assert client.get("/tickets/nearest-site?lat=1&lon=2").status_code == 302
