"""`flask demo load`: a company a newcomer can plan a week with — sites in several cities,
eight technicians with schedules, about sixty open on-site jobs with real histories."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from dispatch import demo
from dispatch.assets.models import AssetType
from dispatch.demo_field import planning_days
from dispatch.extensions import db
from dispatch.geo import great_circle_km
from dispatch.people.models import User
from dispatch.sites.models import Site
from dispatch.technicians.models import DayOff, TechnicianProfile
from dispatch.technicians.shifts import shifts_for
from dispatch.tickets.models import Category, Ticket, TicketEvent

pytestmark = pytest.mark.slow
WEDNESDAY = date(2030, 1, 9)


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def test_demo_company_for_field_work(app, runner):
    demo.load(today=WEDNESDAY)

    sites = db.session.scalars(select(Site)).all()
    assert len({s.city for s in sites}) >= 3 and all(s.has_location for s in sites)

    techs = db.session.scalars(select(User).filter_by(role="technician")).all()
    assert len(techs) == 8
    assert len({frozenset(s.name for s in t.skills) for t in techs}) == 8  # all different
    for tech in techs:
        home = db.session.get(TechnicianProfile, tech.id).home
        assert great_circle_km(home, (tech.site.latitude, tech.site.longitude)) < 25

    days = planning_days(WEDNESDAY)
    assert days == [
        date(2030, 1, 10),
        date(2030, 1, 11),
        date(2030, 1, 14),
        date(2030, 1, 15),
        date(2030, 1, 16),
    ]
    (off,) = db.session.scalars(select(DayOff)).all()
    assert off.day == days[1]
    assert [len(shifts_for(d)) for d in days] == [8, 7, 8, 8, 8]
    assert shifts_for(date(2030, 1, 12)) == []  # Saturday
    shift = shifts_for(days[0])[0]
    assert shift.lunch_window_utc and shift.lunch_minutes >= 30 and shift.skill_ids

    jobs = db.session.scalars(select(Ticket).filter_by(kind="onsite")).all()
    assert 55 <= len(jobs) <= 65
    assert {j.status for j in jobs} == {"to_schedule"}
    assert all(j.duration_min and j.skills and j.site.has_location and j.room for j in jobs)
    assert all(j.access_from and j.access_until for j in jobs)
    assert len({j.site_id for j in jobs}) == 5
    assert sum(j.appointment_start is not None for j in jobs) >= 4
    assert sum(j.due_at is not None for j in jobs) >= 8
    assert sum(j.access_from.hour == 13 for j in jobs) >= 4  # afternoon-only access
    assert {j.priority for j in jobs} >= {"low", "normal", "high", "urgent"}
    assert all(j.appointment_start.date() in days for j in jobs if j.appointment_start)
    types = {
        e.type
        for e in db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == jobs[0].id))
    }
    assert {"created", "catalogued"} <= types

    before = [count(select(m)) for m in (User, Ticket, TicketEvent, DayOff, Site)]
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "cristian.tech@example.com" in result.output
    assert [count(select(m)) for m in (User, Ticket, TicketEvent, DayOff, Site)] == before

    client = app.test_client()
    response = client.post(
        "/login", data={"email": "dana.dispatch@example.com", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    body = client.get("/technicians/").get_data(as_text=True)
    # Dana reads Romanian (her choice in the demo): "11 ian. 2030".
    assert "Cristian Ene" in body and format_date(off.day, "medium", locale="ro") in body


def test_demo_refuses_a_database_with_other_users(app, runner, make_user):
    """The demo's admin has a published password: it must never land in a real company."""
    make_user("admin", email="boss@real-company.example")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "only loaded into an empty database" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_company_speaks_romanian_and_english(app):
    demo.load(today=WEDNESDAY)
    locales = dict(db.session.execute(select(User.email, User.locale)).all())
    assert locales["ana.pop@example.com"] == "ro" and locales["victor.agent@example.com"] == "en"
    assert locales["elena.radu@example.com"] is None  # follows the browser
    assert set(locales.values()) == {"ro", "en", None}


def test_the_demo_writes_romanian_names_and_finds_them_without_diacritics(app, client):
    demo.load(today=WEDNESDAY)
    assert {"Brașov Branch", "Iași Branch", "Timișoara Warehouse"} <= set(
        db.session.scalars(select(Site.name))
    )
    written = db.session.scalar(
        select(Ticket).where(Ticket.subject == "Cititorul de carduri de la intrare nu deschide ușa")
    )
    assert written.site.code == "BRV" and written.suggested_kind == "onsite"

    def sign_in(email):
        client.post("/logout")
        response = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302

    sign_in("dana.dispatch@example.com")  # a Romanian dispatcher
    inbox = client.get("/desk/inbox?q=brasov").get_data(as_text=True)
    # The tickets of the Brașov site, found by the site's name typed without its diacritics.
    at_brasov = db.session.scalars(select(Ticket).where(Ticket.site_id == written.site_id)).all()
    assert written.subject in inbox
    assert all(t.subject in inbox for t in at_brasov)
    assert f">{len(at_brasov)} tichete<" in inbox or len(at_brasov) == 1
    # The demo's categories, fields and choices are named in Romanian and in English.
    form = client.get("/tickets/new").get_data(as_text=True)
    assert ">Imprimantă<" in form and "Tip de echipament" in form and ">Stație de andocare<" in form
    printer = db.session.scalar(select(Category).filter_by(name="Printer"))
    assert printer.translations["name"] == {"en": "Printer", "ro": "Imprimantă"}
    laptop = db.session.scalar(select(AssetType).filter_by(name="Laptop"))
    assert laptop.fields[0].translations["label"] == {"en": "Memory (GB)", "ro": "Memorie (GB)"}
    sign_in("admin@example.com")
    users = client.get("/admin/users?q=muresan").get_data(as_text=True)
    assert "Dana Mureșan" in users
