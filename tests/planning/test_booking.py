"""Slots to book from a ticket: offered in words, booked and pinned in one transaction,
refused when the technician's day changed since; dispatchers and admins only, with CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale

from dispatch.extensions import db
from dispatch.notifications.models import Notification
from dispatch.planning import booking
from dispatch.planning.models import PlanRun, RunStatus, Visit, VisitStatus
from dispatch.tickets.models import Status, Ticket
from dispatch.types import utcnow


def _tomorrow():
    return utcnow().date() + timedelta(days=1)


def _published(ticket, tech, day, hour):
    """A visit already booked for ``tech`` at ``hour`` on ``day``."""
    start = datetime.combine(day, time(hour), UTC)
    run = PlanRun(first_day=day, days=1, status=RunStatus.PUBLISHED)
    visit = Visit(
        ticket=ticket,
        technician=tech,
        day=day,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        status=VisitStatus.PUBLISHED,
    )
    run.visits.append(visit)
    ticket.status, ticket.assignee_id = Status.SCHEDULED, tech.id
    db.session.add(run)
    db.session.commit()
    return visit


@pytest.fixture
def day_with_a_visit(planning_app, shifts, make_tech, make_job):
    ana = make_tech(name="Ana")
    held = _published(make_job(duration=60), ana, _tomorrow(), 9)
    return ana, held, make_job(duration=60)


def _form(html: str) -> dict:
    """The first offered slot's form fields."""
    form = re.search(r'<form method="post" action="[^"]*/slots/book">(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form.group(1)))
    return fields


def test_dispatcher_sees_slots_in_words_and_books_one(day_with_a_visit, auth, client):
    ana, held, ticket = day_with_a_visit
    boss = auth.login(role="dispatcher")
    page = client.get(f"/desk/tickets/{ticket.id}").data.decode()
    assert f'href="/planning/tickets/{ticket.id}/slots"' in page
    html = client.get(f"/planning/tickets/{ticket.id}/slots").data.decode()
    with force_locale("en"):
        offers = booking.find_slots(db.session.get(Ticket, ticket.id)).offers
    assert 1 <= len(offers) <= booking.TOP
    first = offers[0]
    # Ana's first free hour tomorrow, around her 09:00 visit, said as a person says it.
    assert first.technician_id == ana.id and first.day == _tomorrow()
    assert first.window[0] <= first.start < first.window[1]
    assert first.window[1] - first.window[0] == timedelta(hours=1)
    assert first.words() in html and "technician Ana" in html
    assert _tomorrow().strftime("%A") in html
    for offer in offers:  # none overlaps the visit already booked
        end = offer.start + timedelta(hours=1)
        assert end <= held.planned_start or offer.start >= held.planned_end
    fields = _form(html)
    assert fields["start"] == first.start.isoformat()
    answer = client.post(f"/planning/tickets/{ticket.id}/slots/book", data=fields)
    assert answer.status_code == 302 and answer.location.endswith(f"/desk/tickets/{ticket.id}")
    db.session.expire_all()
    booked = db.session.scalar(db.select(Visit).where(Visit.ticket_id == ticket.id))
    assert booked.pinned and booked.status == VisitStatus.PUBLISHED
    assert (booked.technician_id, booked.day) == (ana.id, first.day)
    assert booked.planned_start.astimezone(UTC) == first.start
    assert booked.plan_run.kind == "booking" and booked.plan_run.status == RunStatus.PUBLISHED
    assert booked.plan_run.created_by_id == boss.id
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == Status.SCHEDULED and ticket.assignee_id == ana.id
    visit_events = [e for e in ticket.events if e.type == "visit"]
    assert visit_events and visit_events[-1].data["technician"] == "Ana"
    assert db.session.get(Visit, held.id).planned_start == held.planned_start  # kept its time
    told = db.session.scalars(db.select(Notification).where(Notification.user_id == ana.id)).all()
    assert any(ticket.number in n.text for n in told)
    # Booked: the ticket has no slots to offer any more.
    again = client.get(f"/planning/tickets/{ticket.id}/slots").data.decode()
    assert 'id="slots-problem"' in again and "/slots/book" not in again


def test_a_day_changed_since_the_slots_were_shown_books_nothing(
    day_with_a_visit, auth, client, make_job
):
    ana, _held, ticket = day_with_a_visit
    auth.login(role="dispatcher")
    fields = _form(client.get(f"/planning/tickets/{ticket.id}/slots").data.decode())
    _published(make_job(duration=60), ana, _tomorrow(), 15)  # someone booked Ana meanwhile
    answer = client.post(
        f"/planning/tickets/{ticket.id}/slots/book", data=fields, follow_redirects=True
    )
    assert "no longer free" in answer.data.decode()
    db.session.expire_all()
    assert db.session.scalar(db.select(Visit).where(Visit.ticket_id == ticket.id)) is None
    assert db.session.get(Ticket, ticket.id).status == Status.TO_SCHEDULE


def test_a_forged_slot_books_nothing(day_with_a_visit, auth, client):
    _ana, held, ticket = day_with_a_visit
    auth.login(role="dispatcher")
    fields = _form(client.get(f"/planning/tickets/{ticket.id}/slots").data.decode())
    fields["start"] = held.planned_start.astimezone(UTC).isoformat()  # over the booked visit
    answer = client.post(
        f"/planning/tickets/{ticket.id}/slots/book", data=fields, follow_redirects=True
    )
    assert "no longer free" in answer.data.decode()
    fields["start"] = "tomorrow at ten"
    client.post(f"/planning/tickets/{ticket.id}/slots/book", data=fields)
    assert db.session.scalar(db.select(Visit).where(Visit.ticket_id == ticket.id)) is None


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_only_dispatchers_and_admins(day_with_a_visit, auth, client, role):
    _ana, _held, ticket = day_with_a_visit
    auth.login(role=role)
    assert client.get(f"/planning/tickets/{ticket.id}/slots").status_code == 404
    assert client.post(f"/planning/tickets/{ticket.id}/slots/book", data={}).status_code == 404


def test_admin_may_and_an_unknown_ticket_is_404(day_with_a_visit, auth, client):
    _ana, _held, ticket = day_with_a_visit
    auth.login(role="admin")
    assert client.get(f"/planning/tickets/{ticket.id}/slots").status_code == 200
    assert client.get("/planning/tickets/999999/slots").status_code == 404


def test_booking_needs_the_csrf_token(day_with_a_visit, auth, client):
    _ana, _held, ticket = day_with_a_visit
    auth.login(role="dispatcher")
    html = client.get(f"/planning/tickets/{ticket.id}/slots").data.decode()
    fields = _form(html)
    client.application.config["WTF_CSRF_ENABLED"] = True
    fields.pop("csrf_token", None)
    answer = client.post(f"/planning/tickets/{ticket.id}/slots/book", data=fields)
    assert answer.status_code == 400
    assert db.session.scalar(db.select(Visit).where(Visit.ticket_id == ticket.id)) is None


def test_slots_are_said_in_romanian(day_with_a_visit, auth, client, make_user):
    _ana, _held, ticket = day_with_a_visit
    auth.login(make_user("dispatcher", locale="ro"))
    html = client.get(f"/planning/tickets/{ticket.id}/slots").data.decode()
    assert "tehnician Ana" in html and "Intervale pentru o vizită" in html
    assert _tomorrow().strftime("%A") not in html  # the day is said in Romanian too


def test_a_plan_of_the_day_later_keeps_the_booked_visit(day_with_a_visit, auth, client, make_job):
    from dispatch.planning import runs, services

    ana, _held, ticket = day_with_a_visit
    boss = auth.login(role="dispatcher")
    fields = _form(client.get(f"/planning/tickets/{ticket.id}/slots").data.decode())
    client.post(f"/planning/tickets/{ticket.id}/slots/book", data=fields)
    booked = db.session.scalar(db.select(Visit).where(Visit.ticket_id == ticket.id))
    make_job(duration=30)  # new work for the same day
    run = runs.start_run(boss, _tomorrow(), 1, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    again = next(v for v in run.visits if v.ticket_id == ticket.id)
    assert again.pinned and again.technician_id == ana.id
    assert again.planned_start == booked.planned_start
    services.publish(run, boss)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.SCHEDULED
    live = db.session.scalars(
        db.select(Visit).where(Visit.ticket_id == ticket.id, Visit.status == VisitStatus.PUBLISHED)
    ).all()
    assert [(v.technician_id, v.planned_start) for v in live] == [(ana.id, booked.planned_start)]


def test_booking_makes_the_proposals_with_the_ticket_out_of_date(day_with_a_visit, auth, client):
    from dispatch.planning import runs

    _ana, _held, ticket = day_with_a_visit
    boss = auth.login(role="dispatcher")
    later = _tomorrow() + timedelta(days=2)  # another day than the slot's
    proposal = runs.start_run(boss, later, 1, background=False)
    runs.execute(proposal.id)
    db.session.expire_all()
    assert any(v.ticket_id == ticket.id for v in db.session.get(PlanRun, proposal.id).visits)
    fields = _form(client.get(f"/planning/tickets/{ticket.id}/slots").data.decode())
    assert fields["day"] == _tomorrow().isoformat()
    client.post(f"/planning/tickets/{ticket.id}/slots/book", data=fields)
    db.session.expire_all()
    assert db.session.get(PlanRun, proposal.id).status == RunStatus.SUPERSEDED


def test_a_day_booked_beyond_what_fits_is_left_out_and_named(
    day_with_a_visit, auth, client, make_tech, make_job
):
    ana, _held, ticket = day_with_a_visit
    bob = make_tech(name="Bob")
    late = _published(make_job(duration=60), bob, _tomorrow(), 16)  # ends after his shift
    late.planned_start += timedelta(minutes=30)
    db.session.commit()
    auth.login(role="dispatcher")
    html = client.get(f"/planning/tickets/{ticket.id}/slots").data.decode()
    assert 'id="slots-unfit"' in html and "No slot with Bob on" in html
    assert "technician Ana" in html and 'id="slots"' in html
