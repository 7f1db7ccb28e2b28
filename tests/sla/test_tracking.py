"""Each ticket's clock, kept on the ticket from its record by every use case."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatch.extensions import db
from dispatch.sla.models import ClosureDay
from dispatch.sla.tracking import refresh_open
from dispatch.tickets.dispatching import catalog
from dispatch.tickets.models import Status
from dispatch.tickets.services import add_comment, change_status, reopen

CLUJ = ZoneInfo("Europe/Bucharest")


def cluj(*args) -> datetime:
    return datetime(*args, tzinfo=CLUJ).astimezone(UTC)


def sla_events(ticket):
    return [e for e in ticket.events if e.type == "sla"]


def test_a_friday_evening_request_before_a_holiday_is_due_on_the_next_working_day(
    make_site, make_category, make_ticket, make_policy, make_user, now
):
    """Urgent hardware in Cluj: 4 business hours to resolve. Filed on Friday 27 November 2026
    at 18:00, before Saint Andrew's Day (Monday 30 November) and the National Day (Tuesday 1
    December): the clock starts on Wednesday at 08:00."""
    site = make_site(country="RO", opens_at=time(8), closes_at=time(17))
    hardware = make_category(name="Hardware")
    policy = make_policy(
        name="Urgent hardware in Cluj",
        category_id=hardware.id,
        priority="urgent",
        site_id=site.id,
        first_response_minutes=30,
        resolution_minutes=240,
    )
    make_policy(name="Everything", first_response_minutes=480, resolution_minutes=2400)
    now.set(2026, 11, 27, 18, tz=CLUJ)
    ticket = make_ticket(site_id=site.id, category_id=hardware.id, impact="high", urgency="high")
    assert ticket.priority == "urgent"
    assert ticket.sla_policy_id == policy.id
    assert ticket.sla_first_response_due == cluj(2026, 12, 2, 8, 30)
    assert ticket.sla_resolution_due == cluj(2026, 12, 2, 12, 0)
    assert ticket.sla_due_at == ticket.sla_first_response_due
    [event] = sla_events(ticket)
    assert event.data["new"] == "Urgent hardware in Cluj" and event.internal


def test_waiting_on_the_requester_pauses_and_their_answer_resumes(
    make_site, make_ticket, make_policy, make_user, now
):
    site = make_site(country="RO")
    make_policy(name="Standard", first_response_minutes=60, resolution_minutes=480)
    agent = make_user("dispatcher")
    now.set(2026, 12, 7, 9, tz=CLUJ)  # Monday
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_resolution_due == cluj(2026, 12, 7, 17)

    now.set(2026, 12, 7, 10, tz=CLUJ)
    change_status(ticket, agent, Status.WAITING)
    assert ticket.sla_first_response_at == cluj(2026, 12, 7, 10)
    assert ticket.sla_paused_since == cluj(2026, 12, 7, 10)
    assert ticket.sla_resolution_due is None and ticket.sla_due_at is None

    now.set(2026, 12, 8, 11, tz=CLUJ)  # 10 business hours later, the requester answers
    add_comment(ticket, ticket.requester, "Here is the serial number.")
    assert ticket.status != Status.WAITING
    assert ticket.sla_paused_seconds == 10 * 3600
    assert ticket.sla_paused_since is None
    # 1 h used before the pause, 7 h left from Tuesday 11:00: Wednesday 09:00.
    assert ticket.sla_resolution_due == cluj(2026, 12, 9, 9)
    assert not ticket.sla_breached


def test_resolving_stops_the_clock_and_reopening_resumes_it(
    make_site, make_ticket, make_policy, make_user, now
):
    site = make_site()
    make_policy(name="Standard", first_response_minutes=60, resolution_minutes=120)
    agent = make_user("dispatcher")
    now.set(2026, 12, 7, 9, tz=CLUJ)
    ticket = make_ticket(site_id=site.id)
    now.set(2026, 12, 7, 10, tz=CLUJ)
    change_status(ticket, agent, Status.RESOLVED)
    assert ticket.sla_resolution_due is None and ticket.sla_due_at is None
    assert not ticket.sla_breached
    now.set(2026, 12, 7, 15, tz=CLUJ)
    reopen(ticket, ticket.requester, "still broken")
    assert ticket.sla_paused_seconds == 5 * 3600
    assert ticket.sla_resolution_due == cluj(2026, 12, 7, 16)
    now.set(2026, 12, 8, 9, tz=CLUJ)
    change_status(ticket, agent, Status.RESOLVED)  # resolved after the target: a breach
    assert ticket.sla_breached
    assert ticket.sla_resolution_due == cluj(2026, 12, 7, 16)


def test_a_late_first_response_is_a_breach_and_an_automatic_message_is_none(
    make_site, make_ticket, make_policy, make_user, now
):
    site = make_site()
    make_policy(name="Standard", first_response_minutes=30, resolution_minutes=480)
    now.set(2026, 12, 7, 9, tz=CLUJ)
    ticket = make_ticket(site_id=site.id)  # the acknowledgement goes out: no response
    assert ticket.sla_first_response_at is None
    now.set(2026, 12, 7, 9, 10, tz=CLUJ)
    add_comment(ticket, ticket.requester, "Any news?")  # the requester is no responder
    assert ticket.sla_first_response_at is None
    now.set(2026, 12, 7, 10, tz=CLUJ)
    dispatcher = make_user("dispatcher")
    add_comment(ticket, dispatcher, "A note for colleagues", internal=True)
    assert ticket.sla_first_response_at is None
    add_comment(ticket, dispatcher, "We are on it.")
    assert ticket.sla_first_response_at == cluj(2026, 12, 7, 10)
    assert ticket.sla_breached
    assert ticket.sla_due_at == ticket.sla_resolution_due == cluj(2026, 12, 7, 17)


def test_a_new_priority_recomputes_the_targets_from_the_start_and_is_recorded(
    make_site, make_ticket, make_policy, make_user, now
):
    site = make_site()
    make_policy(name="Normal", first_response_minutes=240, resolution_minutes=960)
    urgent = make_policy(
        name="Urgent", priority="urgent", first_response_minutes=30, resolution_minutes=120
    )
    dispatcher = make_user("dispatcher")
    now.set(2026, 12, 7, 9, tz=CLUJ)
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_resolution_due == cluj(2026, 12, 8, 16)
    now.set(2026, 12, 7, 9, 20, tz=CLUJ)
    catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="remote",
        category_id=None,
        priority="urgent",
    )
    assert ticket.sla_policy_id == urgent.id
    assert ticket.sla_resolution_due == cluj(2026, 12, 7, 11)  # from 09:00, not 09:20
    change = sla_events(ticket)[-1]
    assert (change.data["old"], change.data["new"]) == ("Normal", "Urgent")


def test_24x7_policies_count_every_hour(make_site, make_ticket, make_policy, now):
    site = make_site()
    make_policy(name="Always", around_the_clock=True, resolution_minutes=24 * 60)
    now.set(2026, 12, 5, 20, tz=CLUJ)  # Saturday evening
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_resolution_due == cluj(2026, 12, 6, 20)


def test_closure_days_and_policy_changes_move_open_tickets(
    make_site, make_ticket, make_policy, now
):
    site = make_site()
    policy = make_policy(name="Standard", resolution_minutes=9 * 60)
    now.set(2026, 12, 7, 17, tz=CLUJ)  # Monday, closing time
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_resolution_due == cluj(2026, 12, 8, 17)
    db.session.add(ClosureDay(day=date(2026, 12, 8), name="Inventory"))
    refresh_open(db.session)
    db.session.commit()
    assert ticket.sla_resolution_due == cluj(2026, 12, 9, 17)
    policy.resolution_minutes = 60
    refresh_open(db.session)
    db.session.commit()
    assert ticket.sla_resolution_due == cluj(2026, 12, 9, 9)


def test_no_policy_no_clock(make_ticket):
    ticket = make_ticket()
    assert ticket.sla_policy_id is None and ticket.sla_due_at is None
    assert not sla_events(ticket)


def test_a_ticket_without_a_site_counts_office_hours(app, make_ticket, make_policy, now):
    make_policy(name="Standard", resolution_minutes=60)
    now.set(2026, 12, 7, 16, 30)  # UTC, the default time zone
    ticket = make_ticket()
    assert ticket.sla_resolution_due == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
    assert ticket.sla_resolution_due - ticket.created_at > timedelta(hours=1)


def test_a_site_open_on_no_weekday_counts_every_hour(make_site, make_ticket, make_policy, now):
    site = make_site(open_weekdays="")
    make_policy(name="Standard", resolution_minutes=60)
    now.set(2026, 12, 5, 20, tz=CLUJ)
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_resolution_due == cluj(2026, 12, 5, 21)


def _saved_policy_statements(policy_id, admin_id, minutes) -> int:
    from dispatch.admin.service_levels import save_policy
    from dispatch.people.models import User
    from dispatch.sla.models import SlaPolicy
    from tests.sql_count import statements

    with statements() as sent:
        policy = db.session.get(SlaPolicy, policy_id)
        admin = db.session.get(User, admin_id)
        save_policy(
            policy,
            admin,
            name=policy.name,
            category_id=policy.category_id,
            first_response_minutes=60,
            resolution_minutes=minutes,
        )
    return len(sent)


def test_saving_a_policy_moves_its_open_tickets_in_a_fixed_number_of_statements(
    make_site, make_category, make_ticket, make_policy, make_user, now
):
    """The targets are right after the change, and the admin's request costs as many
    statements with 40 open tickets as with 4: they are read and written by batches, not one
    at a time. Tickets the policy cannot concern are not even read."""
    site_id = make_site().id
    printers, phones = make_category(name="Printers").id, make_category(name="Phones").id
    urgent = make_policy(name="Printers", category_id=printers, resolution_minutes=9 * 60)
    other = make_policy(name="Phones", category_id=phones, resolution_minutes=9 * 60)
    urgent_id, other_id, admin_id = urgent.id, other.id, make_user("admin").id
    now.set(2026, 12, 7, 17, tz=CLUJ)  # Monday, closing time
    ids = [make_ticket(site_id=site_id, category_id=printers).id for _ in range(4)]
    low = make_ticket(site_id=site_id, category_id=phones)
    low_id, low_due = low.id, low.sla_resolution_due
    few = _saved_policy_statements(urgent_id, admin_id, 60)
    from dispatch.tickets.models import Ticket

    for i in ids:
        ticket = db.session.get(Ticket, i)
        assert ticket.sla_resolution_due == cluj(2026, 12, 8, 9)
        assert ticket.version == 2  # written once, its version moved on
    ids += [make_ticket(site_id=site_id, category_id=printers).id for _ in range(36)]
    many = _saved_policy_statements(urgent_id, admin_id, 120)
    assert few == many
    for i in ids:
        assert db.session.get(Ticket, i).sla_resolution_due == cluj(2026, 12, 8, 10)
    low = db.session.get(Ticket, low_id)
    assert (low.sla_policy_id, low.sla_resolution_due, low.version) == (other_id, low_due, 1)


def test_business_seconds_of_the_first_response_and_the_resolution_are_kept(
    make_site, make_ticket, make_policy, make_user, now
):
    """What reports aggregate: from Monday 16:00 to Tuesday 09:30 at a site open 08:00–17:00
    are 2.5 business hours."""
    site = make_site()
    make_policy(name="Standard", resolution_minutes=9 * 60)
    agent = make_user("dispatcher")
    now.set(2026, 12, 7, 16, tz=CLUJ)
    ticket = make_ticket(site_id=site.id)
    assert ticket.sla_first_response_seconds is None
    now.set(2026, 12, 8, 9, 30, tz=CLUJ)
    add_comment(ticket, agent, "Looking at it")
    assert ticket.sla_first_response_seconds == 150 * 60
    assert ticket.sla_resolution_seconds is None
    now.set(2026, 12, 8, 10, tz=CLUJ)
    change_status(ticket, agent, Status.RESOLVED)
    assert ticket.sla_resolution_seconds == 3 * 3600
