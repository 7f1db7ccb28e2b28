"""Cataloguing a ticket from the staff panel: defaults, assignment, triage decisions, conflicts."""

import re
from datetime import time

import pytest
from flask import g

from dispatch.extensions import db
from dispatch.people.models import Group, Skill
from dispatch.tickets.models import Ticket, TicketEvent
from dispatch.triage.models import TriageDecision


def catalog_data(ticket, **values):
    data = {
        "catalog-version": ticket.version,
        "catalog-kind": "remote",
        "catalog-priority": "normal",
        "catalog-category": "",
        "catalog-assignee": "",
        "catalog-group": "",
    }
    data.update({f"catalog-{k}": v for k, v in values.items()})
    return data


def events(ticket, type_=None):
    query = (
        db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
    )
    found = db.session.scalars(query).all()
    return [e for e in found if type_ is None or e.type == type_]


def fresh(ticket):
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


@pytest.fixture
def onsite_setup(make_site, make_category, make_ticket):
    skill = Skill(name="Cabling")
    db.session.add(skill)
    db.session.commit()
    site = make_site(opens_at=time(7, 30), closes_at=time(16))
    category = make_category(
        name="Broken socket", default_kind="onsite", default_duration_min=90, skills=[skill]
    )
    ticket = make_ticket(site_id=site.id, category_id=category.id, subject="Socket sparks")
    return ticket, category, skill


def test_onsite_catalogue_takes_category_and_site_defaults(client, auth, onsite_setup, make_user):
    ticket, category, skill = onsite_setup
    dispatcher = auth.login(role="dispatcher")
    tech = make_user("technician")
    r = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(
            ticket, kind="onsite", category=category.id, priority="high", assignee=tech.id
        ),
    )
    assert r.status_code == 302, r.data[:800]
    t = fresh(ticket)
    assert (t.kind, t.status, t.priority, t.assignee_id) == (
        "onsite",
        "to_schedule",
        "high",
        tech.id,
    )
    assert t.duration_min == 90
    assert [s.name for s in t.skills] == ["Cabling"]
    assert (t.access_from, t.access_until) == (time(7, 30), time(16))
    types = [e.type for e in events(t)]
    for expected in ("catalogued", "kind", "priority", "fields", "assigned", "status"):
        assert expected in types
    status = events(t, "status")[-1]
    assert status.data["old"] == "new" and status.data["new"] == "to_schedule"
    assert events(t, "kind")[-1].actor_id == dispatcher.id
    fields = events(t, "fields")[-1].data
    assert fields["new"]["duration_min"] == 90 and fields["new"]["access_from"] == "07:30"
    decision = db.session.scalar(db.select(TriageDecision).filter_by(ticket_id=t.id))
    assert decision.kind == "onsite" and not decision.overridden


def test_explicit_onsite_values_win_and_bad_window_is_refused(client, auth, onsite_setup):
    ticket, category, _ = onsite_setup
    auth.login(role="dispatcher")
    bad = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(
            ticket, kind="onsite", category=category.id, access_from="15:00", access_until="09:00"
        ),
    )
    assert bad.status_code == 400
    assert b"must end after it starts" in bad.data
    assert fresh(ticket).kind is None and fresh(ticket).status == "new"
    ok = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(
            ticket,
            kind="onsite",
            category=category.id,
            duration_min=30,
            access_from="09:00",
            access_until="11:00",
            appointment_start="2026-12-01T09:00",
            appointment_end="2026-12-01T10:00",
        ),
    )
    assert ok.status_code == 302
    t = fresh(ticket)
    assert t.duration_min == 30 and (t.access_from, t.access_until) == (time(9), time(11))
    # The site is in Europe/Bucharest (UTC+2 in December): local 09:00 is 07:00 UTC.
    assert t.appointment_start.hour == 7 and t.appointment_start.utcoffset().total_seconds() == 0


def test_remote_catalogue_with_agent_is_assigned(
    client, auth, make_ticket, make_category, make_user
):
    ticket = make_ticket()
    category = make_category()
    agent = make_user("agent")
    group = Group(name="Service desk")
    db.session.add(group)
    db.session.commit()
    auth.login(role="dispatcher")
    r = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(
            ticket, kind="remote", category=category.id, assignee=agent.id, group=group.id
        ),
    )
    assert r.status_code == 302
    t = fresh(ticket)
    assert (t.kind, t.status, t.assignee_id, t.group_id) == (
        "remote",
        "assigned",
        agent.id,
        group.id,
    )
    assert t.duration_min is None and t.access_from is None
    assigned = events(t, "assigned")[-1].data
    assert assigned["old"] is None and agent.name in assigned["new"]


def test_remote_catalogue_without_assignee_is_triaged_then_assign(
    client, auth, make_ticket, make_user
):
    ticket = make_ticket()
    agent = make_user("agent")
    auth.login(role="dispatcher")
    client.post(f"/desk/tickets/{ticket.id}/catalog", data=catalog_data(ticket, kind="remote"))
    t = fresh(ticket)
    assert t.status == "triaged"
    r = client.post(
        f"/desk/tickets/{t.id}/assign",
        data={"assign-version": t.version, "assign-assignee": agent.id, "assign-group": ""},
    )
    assert r.status_code == 302
    assert fresh(ticket).status == "assigned"


def test_assignee_must_fit_the_kind_and_exist(client, auth, make_ticket, make_user, make_category):
    ticket = make_ticket()
    tech = make_user("technician")
    auth.login(role="dispatcher")
    r = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(ticket, kind="remote", assignee=tech.id),
    )
    assert r.status_code == 400 and b"Remote tickets go to a support agent" in r.data
    r = client.post(f"/desk/tickets/{ticket.id}/catalog", data=catalog_data(ticket, category=99999))
    assert r.status_code == 400 and b"Unknown category 99999" in r.data
    r = client.post(f"/desk/tickets/{ticket.id}/catalog", data=catalog_data(ticket, assignee=88888))
    assert r.status_code == 400 and b"Unknown user 88888" in r.data
    t = fresh(ticket)
    assert t.kind is None and t.status == "new" and len(events(t)) == 2  # created, suggested


def test_service_names_the_bad_field(app, make_ticket, make_user):
    from dispatch.errors import ValidationError
    from dispatch.tickets.dispatching import catalog

    ticket = make_ticket()
    dispatcher = make_user("dispatcher")
    with pytest.raises(ValidationError) as err:
        catalog(
            ticket,
            dispatcher,
            expected_version=ticket.version,
            kind="remote",
            category_id=None,
            priority="normal",
            group_id=4242,
        )
    assert err.value.field == "group"


def test_override_of_the_suggestion_is_recorded(client, auth, make_ticket, make_category):
    category = make_category(default_kind="onsite")
    ticket = make_ticket(category_id=category.id)
    assert ticket.suggested_kind == "onsite"
    dispatcher = auth.login(role="dispatcher")
    page = client.get(f"/desk/tickets/{ticket.id}")
    assert page.status_code == 200
    assert ticket.suggestion_reason.encode() in page.data
    assert re.search(
        r'<input checked[^>]*name="catalog-kind"[^>]*value="onsite"', page.data.decode()
    )
    client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(ticket, kind="remote", category=category.id),
    )
    decision = db.session.scalar(db.select(TriageDecision).filter_by(ticket_id=ticket.id))
    assert decision.kind == "remote" and decision.suggested_kind == "onsite" and decision.overridden
    assert decision.actor_id == dispatcher.id
    kind_event = events(ticket, "kind")[-1]
    assert kind_event.data["suggested"] == "onsite" and kind_event.data["new"] == "remote"


def test_second_dispatcher_is_told_and_overwrites_nothing(
    app, auth, make_ticket, make_category, make_user
):
    from tests.conftest import Auth

    category = make_category()
    ticket = make_ticket()
    seen_version = ticket.version
    first, second = app.test_client(), app.test_client()
    Auth(first, make_user).login(role="dispatcher")
    other = Auth(second, make_user).login(role="dispatcher")
    assert first.get(f"/desk/tickets/{ticket.id}").status_code == 200
    assert second.get(f"/desk/tickets/{ticket.id}").status_code == 200
    # The fixture keeps one app context open, so Flask-Login's per-request cache in `g` would
    # leak from one client to the other: drop it before switching clients.
    g.pop("_login_user", None)
    r1 = first.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data=catalog_data(ticket, kind="remote", category=category.id, priority="urgent"),
    )
    assert r1.status_code == 302
    g.pop("_login_user", None)
    r2 = second.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data={
            **catalog_data(ticket, kind="onsite", priority="low"),
            "catalog-version": seen_version,
        },
    )
    assert r2.status_code == 409
    body = r2.data.decode()
    assert "changed by someone else" in body
    assert 'id="panel-conflict"' in body and "urgent" in body  # the current values and events
    assert 'id="panel-attempt"' in body
    t = fresh(ticket)
    assert (t.kind, t.priority, t.category_id) == ("remote", "urgent", category.id)
    assert not any(e.actor_id == other.id for e in events(t))
    # The re-shown form carries the new version: saving again is a deliberate choice.
    assert f'value="{t.version}"' in body


def test_stale_write_race_becomes_conflict(app, make_ticket, make_user):
    """Both read version N; the first commits; the second's flush hits the version column."""
    from sqlalchemy import update

    from dispatch.errors import Conflict
    from dispatch.tickets.dispatching import catalog

    ticket = make_ticket()
    dispatcher = make_user("dispatcher")
    version = ticket.version
    with db.engine.begin() as other:  # someone else's change, on another connection
        other.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(version=version + 1, priority="high")
        )
    with pytest.raises(Conflict):
        catalog(
            ticket,
            dispatcher,
            expected_version=None,
            kind="remote",
            category_id=None,
            priority="low",
        )
    assert fresh(ticket).priority == "high"
