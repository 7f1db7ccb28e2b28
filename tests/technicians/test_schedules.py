"""Technicians' schedules: working hours with lunch, days off, home base — saving, bad input
that writes nothing, and who may see the pages (dispatchers and admins; others get 404)."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def week(**days):
    """Form data for the week: ``days`` maps weekday → dict of that row's fields."""
    data = {}
    for i in range(7):
        row = days.get(f"d{i}")
        if row is None:
            continue
        row = {
            "works": "y",
            "start_time": "08:00",
            "end_time": "16:30",
            "lunch_start": "12:00",
            "lunch_end": "13:30",
            "lunch_minutes": "30",
            **row,
        }
        for key, value in row.items():
            if value is not None:
                data[f"d{i}-{key}"] = value
    return data


@pytest.fixture
def tech(make_user, make_site):
    return make_user("technician", name="Radu <Lazar>", site=make_site())


@pytest.fixture
def dispatcher(auth):
    return auth.login(role="dispatcher")


def test_list_and_schedule_pages(client, dispatcher, tech):
    body = client.get("/technicians/").get_data(as_text=True)
    assert "Radu &lt;Lazar&gt;" in body and "no working hours" in body
    page = client.get(f"/technicians/{tech.id}").get_data(as_text=True)
    assert "Radu &lt;Lazar&gt;" in page and "Europe/Bucharest" in page
    assert "d6-lunch_minutes" in page and "data-point-map" in page
    assert "<script>" not in page


def test_admin_may_too(client, auth, tech):
    auth.login(role="admin")
    assert client.get(f"/technicians/{tech.id}").status_code == 200


def test_save_week(client, dispatcher, tech):
    data = week(
        d0={},
        d1={},
        d2={},
        d3={},
        d4={"end_time": "14:00", "lunch_start": "", "lunch_end": "", "lunch_minutes": ""},
        d5={"works": None, "start_time": "09:00"},
    )
    response = client.post(f"/technicians/{tech.id}/hours", data=data)
    assert response.status_code == 302
    rows = {h.weekday: h for h in db.session.scalars(select(WorkingHours))}
    assert sorted(rows) == [0, 1, 2, 3, 4]
    monday = rows[0]
    assert (monday.start_time, monday.end_time) == (time(8), time(16, 30))
    assert (monday.lunch_start, monday.lunch_end, monday.lunch_minutes) == (
        time(12),
        time(13, 30),
        30,
    )
    friday = rows[4]
    assert (friday.end_time, friday.lunch_start, friday.lunch_minutes) == (time(14), None, 0)
    page = client.get(f"/technicians/{tech.id}").get_data(as_text=True)
    assert 'value="16:30"' in page
    # Saving again replaces the week.
    client.post(f"/technicians/{tech.id}/hours", data=week(d2={}))
    assert [h.weekday for h in db.session.scalars(select(WorkingHours))] == [2]


@pytest.mark.parametrize(
    "row, field, message",
    [
        ({"start_time": "17:00", "end_time": "08:00"}, "end_time", "must end after it starts"),
        ({"start_time": "08:00", "end_time": "08:00"}, "end_time", "must end after it starts"),
        ({"start_time": ""}, "start_time", "Enter the start time"),
        ({"end_time": "25:00"}, "end_time", "Not a valid time value"),
        ({"lunch_start": "07:00", "lunch_end": "08:30"}, "lunch_start", "inside the working hours"),
        ({"lunch_start": "16:00", "lunch_end": "17:00"}, "lunch_start", "inside the working hours"),
        ({"lunch_start": "13:00", "lunch_end": "12:00"}, "lunch_end", "must end after it starts"),
        ({"lunch_end": ""}, "lunch_end", "both ends of the lunch window"),
        ({"lunch_minutes": "120"}, "lunch_minutes", "longer than its window"),
        ({"lunch_minutes": "0"}, "lunch_minutes", "How long is the lunch break"),
        ({"lunch_minutes": "-5"}, "lunch_minutes", "Number must be between 0 and 240"),
        ({"lunch_minutes": "lots"}, "lunch_minutes", "Not a valid integer value"),
        (
            {"lunch_start": "", "lunch_end": "", "lunch_minutes": "30"},
            "lunch_start",
            "between which times lunch is taken",
        ),
    ],
)
def test_bad_hours_are_shown_and_nothing_is_written(client, dispatcher, tech, row, field, message):
    client.post(f"/technicians/{tech.id}/hours", data=week(d0={}))
    response = client.post(f"/technicians/{tech.id}/hours", data=week(d1={}, d3=row))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "Nothing was saved" in body
    assert f'name="d3-{field}"' in body
    assert [h.weekday for h in db.session.scalars(select(WorkingHours))] == [0]


def test_day_off_add_range_duplicate_and_remove(client, dispatcher, tech):
    url = f"/technicians/{tech.id}/days-off"
    assert client.post(url, data={"start": "2030-03-04", "reason": "Dentist"}).status_code == 302
    assert (
        client.post(
            url, data={"start": "2030-03-10", "until": "2030-03-12", "reason": "Leave"}
        ).status_code
        == 302
    )
    days = [d.day for d in db.session.scalars(select(DayOff).order_by(DayOff.day))]
    assert days == [date(2030, 3, 4), date(2030, 3, 10), date(2030, 3, 11), date(2030, 3, 12)]
    # A day already off (alone, or inside a range): refused, nothing added.
    response = client.post(url, data={"start": "2030-03-09", "until": "2030-03-11"})
    assert response.status_code == 400
    assert "Already a day off: March 10, 2030; March 11, 2030" in response.get_data(as_text=True)
    assert count(DayOff) == 4
    page = client.get(f"/technicians/{tech.id}").get_data(as_text=True)
    assert "Dentist" in page and "Tuesday, March 12, 2030" in page
    dentist = db.session.scalar(select(DayOff).filter_by(reason="Dentist"))
    assert client.post(f"{url}/{dentist.id}/delete").status_code == 302
    assert count(DayOff) == 3


@pytest.mark.parametrize(
    "data, message",
    [
        ({"start": ""}, "This field is required"),
        ({"start": "2030-02-30"}, "Not a valid date value"),
        ({"start": "2030-03-10", "until": "2030-03-09"}, "cannot be before the first"),
        ({"start": "2030-01-01", "until": "2030-12-31"}, "At most 62 days at once"),
        ({"start": "2030-01-01", "reason": "x" * 201}, "Field cannot be longer than 200"),
    ],
)
def test_bad_days_off(client, dispatcher, tech, data, message):
    response = client.post(f"/technicians/{tech.id}/days-off", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(DayOff) == 0


def test_someone_elses_day_off_cannot_be_removed(client, dispatcher, tech, make_user):
    other = make_user("technician")
    off = DayOff(user_id=other.id, day=date(2030, 1, 2))
    db.session.add(off)
    db.session.commit()
    assert client.post(f"/technicians/{tech.id}/days-off/{off.id}/delete").status_code == 404
    assert client.post(f"/technicians/{tech.id}/days-off/9999/delete").status_code == 404
    assert count(DayOff) == 1


def test_home_base(client, dispatcher, tech):
    response = client.post(
        f"/technicians/{tech.id}/home",
        data={
            "home_address": "Strada Fabricii 5, Cluj-Napoca",
            "home_latitude": "46.7801",
            "home_longitude": "23.6302",
            "notes": "Has a van <b>",
        },
    )
    assert response.status_code == 302
    profile = db.session.get(TechnicianProfile, tech.id)
    assert profile.home == (46.7801, 23.6302) and profile.notes == "Has a van <b>"
    page = client.get(f"/technicians/{tech.id}").get_data(as_text=True)
    assert "Has a van &lt;b&gt;" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"home_latitude": "91", "home_longitude": "23"}, "Latitude is between -90 and 90"),
        ({"home_latitude": "46", "home_longitude": "-181"}, "Longitude is between -180 and 180"),
        ({"home_latitude": "inf", "home_longitude": "23"}, "Latitude is between -90 and 90"),
        ({"home_latitude": "46", "home_longitude": ""}, "Enter both latitude and longitude"),
        ({"home_latitude": "", "home_longitude": "23"}, "Enter both latitude and longitude"),
        ({"notes": "n" * 2001}, "Field cannot be longer than 2000"),
    ],
)
def test_bad_home_base(client, dispatcher, tech, data, message):
    response = client.post(f"/technicians/{tech.id}/home", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(TechnicianProfile) == 0


def test_home_base_with_geocoding_off_keeps_the_address(app, client, dispatcher, tech):
    app.config["GEOCODER"] = ""
    response = client.post(
        f"/technicians/{tech.id}/home",
        follow_redirects=True,
        data={"home_address": "Strada Fabricii 5", "locate": "y"},
    )
    assert "Address look-up is switched off" in response.get_data(as_text=True)
    profile = db.session.get(TechnicianProfile, tech.id)
    assert profile.home_address == "Strada Fabricii 5" and profile.home is None


@pytest.mark.parametrize(
    "url",
    [
        "/technicians/{id}",
        "/technicians/{id}/home",
        "/technicians/{id}/hours",
        "/technicians/{id}/days-off",
    ],
)
def test_unknown_or_non_technician_is_404(client, dispatcher, make_user, url):
    employee = make_user("employee")
    for user_id in (employee.id, 99999):
        method = client.get if url == "/technicians/{id}" else client.post
        assert method(url.format(id=user_id)).status_code == 404


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_other_roles_get_404(client, auth, tech, role):
    auth.login(role=role)
    assert client.get("/technicians/").status_code == 404
    assert client.get(f"/technicians/{tech.id}").status_code == 404
    assert client.post(f"/technicians/{tech.id}/hours", data=week(d0={})).status_code == 404
    assert (
        client.post(f"/technicians/{tech.id}/days-off", data={"start": "2030-01-01"}).status_code
        == 404
    )
    assert (
        client.post(f"/technicians/{tech.id}/home", data={"home_address": "x"}).status_code == 404
    )
    assert count(WorkingHours) == count(DayOff) == count(TechnicianProfile) == 0


def test_anonymous_is_sent_to_login(client, tech):
    response = client.get(f"/technicians/{tech.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_forms_refuse_a_missing_csrf_token(app, client, dispatcher, tech):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/technicians/{tech.id}/hours", data=week(d0={})).status_code == 400
    assert (
        client.post(f"/technicians/{tech.id}/days-off", data={"start": "2030-01-01"}).status_code
        == 400
    )
    assert count(WorkingHours) == count(DayOff) == 0


def test_navigation_shows_technicians_to_dispatchers(client, dispatcher):
    body = client.get("/technicians/").get_data(as_text=True)
    assert 'href="/technicians/"' in body and 'href="/sites/"' in body


def test_admin_user_list_links_to_the_schedule(client, auth, tech):
    auth.login(role="admin")
    body = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/technicians/{tech.id}"' in body
