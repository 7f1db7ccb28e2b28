"""The maintenance pages: plans for dispatchers and admins only, clear errors for a bad rule,
pausing, the calendar and skipping, and the technician's checklist on "my day"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.maintenance.generate import generate
from dispatch.maintenance.models import MaintenanceOccurrence, MaintenancePlan, OccurrenceStatus
from dispatch.planning.models import PlanRun, Visit
from dispatch.tickets.changes import set_status
from dispatch.tickets.models import Status, TicketEvent
from dispatch.types import utcnow


def _form(**kw):
    data = {
        "name": "Quarterly printer service",
        "asset_tag": "pr-0042",
        "rule": "FREQ=MONTHLY;INTERVAL=3",
        "starts_on": "2027-01-04",
        "checklist": "Clean the rollers\nReplace the toner\n",
        "duration_min": "45",
        "lead_days": "14",
        "window_days": "10",
        "active": "y",
    }
    data.update(kw)
    return data


def test_a_dispatcher_creates_edits_and_pauses_a_plan(client, auth, make_asset, make_user):
    make_asset(tag="PR-0042")
    auth.login(role="dispatcher")
    response = client.post("/maintenance/new", data=_form())
    assert response.status_code == 302
    plan = db.session.scalar(select(MaintenancePlan))
    assert plan.asset.tag == "PR-0042" and plan.checklist == [
        "Clean the rollers",
        "Replace the toner",
    ]
    assert plan.rule == "FREQ=MONTHLY;INTERVAL=3" and plan.duration_min == 45
    listing = client.get("/maintenance/").get_data(as_text=True)
    assert "Quarterly printer service" in listing and "FREQ=MONTHLY;INTERVAL=3" in listing

    edit = client.get(f"/maintenance/{plan.id}/edit").get_data(as_text=True)
    assert "Replace the toner" in edit and 'value="PR-0042"' in edit
    data = _form(
        name="Printer service",
        rule="rrule:freq=monthly;bymonth=1,4,7,10;byday=1mo",
        version=str(plan.version),
    )
    assert client.post(f"/maintenance/{plan.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert plan.name == "Printer service" and plan.rule == "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYDAY=1MO"

    assert client.post(f"/maintenance/{plan.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert plan.active is False
    assert "Paused" in client.get("/maintenance/").get_data(as_text=True)
    actions = db.session.scalars(
        select(AdminEvent.action).where(AdminEvent.target_type == "maintenance_plan")
    ).all()
    assert actions == ["created", "changed", "changed"]


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("FREQ=FORTNIGHTLY", "invalid &#39;FREQ&#39;: FORTNIGHTLY"),
        ("INTERVAL=3", "FREQ is missing"),
        ("FREQ=HOURLY", "visits recur daily at most"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "it never falls on a day"),
        ("", "it is empty"),
        ("DTSTART:20270101T000000\nRRULE:FREQ=DAILY", "the start date is its own field"),
    ],
)
def test_a_bad_rule_is_named_next_to_its_field(client, auth, make_asset, rule, says):
    make_asset(tag="PR-0042")
    auth.login(role="admin")
    response = client.post("/maintenance/new", data=_form(rule=rule))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a recurrence rule Dispatch can use" in html and says in html
    assert db.session.scalar(select(func.count()).select_from(MaintenancePlan)) == 0


def test_other_bad_input_is_named_too(client, auth, make_asset, make_asset_type):
    make_asset(tag="PR-0042")
    auth.login(role="admin")
    for data, says in (
        (_form(asset_tag="NOPE-1"), "No asset has the tag NOPE-1"),
        (_form(asset_tag="", asset_type=""), "Choose an asset (its tag) or an asset type"),
        (_form(asset_type=str(make_asset_type().id)), "not both"),
        (_form(window_days="0"), "A whole number from 1 to 60"),
        (_form(starts_on="someday"), "Give the date the recurrence starts from"),
        (_form(asset_tag="", asset_type="999999"), "Unknown asset type"),
    ):
        response = client.post("/maintenance/new", data=data)
        assert response.status_code == 400 and says in response.get_data(as_text=True), says


@pytest.mark.parametrize("role", ["employee", "agent", "technician"])
def test_plans_and_the_calendar_are_404_to_other_roles(client, auth, make_plan, make_asset, role):
    make_asset(tag="PR-0042")
    plan = make_plan(asset_tag="PR-0042")
    auth.login(role=role)
    for url in (
        "/maintenance/",
        "/maintenance/new",
        f"/maintenance/{plan.id}/edit",
        "/maintenance/calendar",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/maintenance/{plan.id}/active", data={"active": "0"}).status_code == 404
    db.session.expire_all()
    assert plan.active is True


def test_an_unknown_plan_is_404(client, auth):
    auth.login(role="admin")
    assert client.get("/maintenance/12345/edit").status_code == 404
    assert client.post("/maintenance/visits/12345/skip", data={"reason": "x"}).status_code == 404


def test_the_forms_refuse_a_post_without_its_csrf_token(app, client, auth, make_asset, make_plan):
    make_asset(tag="PR-0042")
    plan = make_plan(asset_tag="PR-0042")
    auth.login(role="admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/maintenance/new", data=_form(name="Other")).status_code == 400
    client.post(f"/maintenance/{plan.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert plan.active is True
    assert db.session.scalar(select(func.count()).select_from(MaintenancePlan)) == 1
    page = client.get("/maintenance/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/maintenance/new", data={**_form(name="Other"), "csrf_token": token})
    assert response.status_code == 302


def test_the_calendar_shows_due_planned_done_overdue_and_skips(
    client, auth, make_asset, make_asset_type, make_site, make_plan
):
    site = make_site(name="Cluj HQ")
    printers = make_asset_type(name="Printer")
    for tag in ("PR-1", "PR-2", "PR-3", "PR-4"):
        make_asset(tag=tag, asset_type=printers, site=site)
    make_plan(
        asset_type_id=printers.id,
        site_ids=[site.id],
        rule="FREQ=MONTHLY",
        starts_on=date(2027, 1, 4),
        name="Printer <b>service</b>",
    )
    generate(date(2027, 1, 1))
    rows = {o.asset.tag: o for o in db.session.scalars(select(MaintenanceOccurrence))}
    set_status(rows["PR-1"].ticket, None, Status.RESOLVED)
    set_status(rows["PR-2"].ticket, None, Status.SCHEDULED)
    rows["PR-3"].window_end = utcnow() - timedelta(hours=1)  # its window is over
    db.session.commit()
    auth.login(role="dispatcher")
    html = client.get(f"/maintenance/calendar?site={site.id}&month=2027-01").get_data(as_text=True)
    assert "Cluj HQ" in html and "Printer &lt;b&gt;service&lt;/b&gt;" in html
    states = re.findall(r'data-state="(\w+)"', html.split('id="month-list"')[1])
    assert sorted(states) == ["done", "due", "overdue", "planned"]
    # February's dates are not made yet (beyond the lead time): shown as due all the same.
    february = client.get(f"/maintenance/calendar?site={site.id}&month=2027-02").get_data(
        as_text=True
    )
    assert february.split('id="month-list"')[1].count('data-state="due"') == 4

    skipped = rows["PR-4"]
    response = client.post(f"/maintenance/visits/{skipped.id}/skip", data={"reason": "Moved out"})
    assert response.status_code == 302
    db.session.expire_all()
    assert skipped.status == OccurrenceStatus.SKIPPED and skipped.ticket.status == Status.CLOSED
    assert "Moved out" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TicketEvent)
            .where(TicketEvent.type == "maintenance_skipped")
        )
        == 1
    )
    # A done visit cannot be skipped.
    client.post(f"/maintenance/visits/{rows['PR-1'].id}/skip", data={"reason": "No"})
    db.session.expire_all()
    assert rows["PR-1"].status == OccurrenceStatus.OPEN


def _visit_for(occurrence, tech, day):
    run = PlanRun(first_day=day, days=1, status="done")
    start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
    visit = Visit(
        plan_run=run,
        ticket_id=occurrence.ticket_id,
        technician_id=tech.id,
        day=day,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        status="published",
    )
    db.session.add_all([run, visit])
    db.session.commit()
    return visit


def test_the_technician_ticks_the_checklist_on_my_day(
    client, auth, make_asset, make_site, make_plan, make_user
):
    make_asset(tag="PR-0042", site=make_site())
    make_plan(asset_tag="PR-0042", checklist="Clean the rollers\nReplace the toner")
    generate(date(2027, 1, 1))
    occurrence = db.session.scalar(select(MaintenanceOccurrence))
    tech, other = make_user("technician"), make_user("technician")
    day = date(2027, 1, 5)
    visit = _visit_for(occurrence, tech, day)
    auth.login(tech)
    html = client.get(f"/my-day/?day={day.isoformat()}").get_data(as_text=True)
    assert "Checklist" in html and "Replace the toner" in html and "(0/2)" in html
    response = client.post(f"/my-day/visits/{visit.id}/checklist", data={"item": ["1"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert occurrence.checklist_done == [1]
    html = client.get(f"/my-day/?day={day.isoformat()}").get_data(as_text=True)
    assert "(1/2)" in html and re.search(r'value="1" id="item-\d+-1" checked', html)
    event = db.session.scalar(select(TicketEvent).where(TicketEvent.type == "checklist"))
    assert event.data == {"done": ["Replace the toner"], "left": ["Clean the rollers"]}
    assert (
        client.post(f"/my-day/visits/{visit.id}/checklist", data={"item": ["7"]}).status_code == 302
    )
    db.session.expire_all()
    assert occurrence.checklist_done == [1]  # an unknown item changes nothing

    auth.logout()
    auth.login(other)  # someone else's visit: 404, and nothing changes
    assert (
        client.post(f"/my-day/visits/{visit.id}/checklist", data={"item": ["0"]}).status_code == 404
    )
    db.session.expire_all()
    assert occurrence.checklist_done == [1]


def test_skip_and_the_checklist_refuse_a_post_without_its_csrf_token(
    app, client, auth, make_asset, make_site, make_plan, make_user
):
    make_asset(tag="PR-0042", site=make_site())
    make_plan(asset_tag="PR-0042", checklist="Clean the rollers")
    generate(date(2027, 1, 1))
    occurrence = db.session.scalar(select(MaintenanceOccurrence))
    tech = make_user("technician")
    visit = _visit_for(occurrence, tech, date(2027, 1, 5))
    auth.login(tech)
    app.config["WTF_CSRF_ENABLED"] = True
    client.post(f"/my-day/visits/{visit.id}/checklist", data={"item": ["0"]})
    app.config["WTF_CSRF_ENABLED"] = False
    auth.logout()
    auth.login(role="dispatcher")
    app.config["WTF_CSRF_ENABLED"] = True
    client.post(f"/maintenance/visits/{occurrence.id}/skip", data={"reason": "Moved out"})
    db.session.expire_all()
    assert occurrence.checklist_done == [] and occurrence.status == OccurrenceStatus.OPEN


def test_preventive_visits_are_no_repeat_failure(make_asset, make_site, make_plan, make_user):
    from dispatch.assets.queries import repeat_failure

    printer = make_asset(tag="PR-0042", site=make_site())
    make_plan(asset_tag="PR-0042", rule="FREQ=WEEKLY", starts_on=date.today(), lead_days=21)
    generate(date.today())
    tech = make_user("technician")
    occurrences = db.session.scalars(select(MaintenanceOccurrence)).all()
    assert len(occurrences) >= 3
    for occurrence in occurrences:
        _visit_for(occurrence, tech, date.today())
    assert repeat_failure(printer) is False
