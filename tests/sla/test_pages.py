"""Service levels where people work: the ticket page, the inbox and the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.tickets.dispatching import catalog
from dispatch.tickets.services import change_status


def test_the_ticket_page_shows_targets_why_time_used_and_paused(
    client, auth, make_site, make_category, make_ticket, make_policy
):
    site, category = make_site(name="Cluj"), make_category(name="Hardware")
    make_policy(
        name="Hardware <Cluj>",
        category_id=category.id,
        site_id=site.id,
        around_the_clock=True,
        first_response_minutes=30,
        resolution_minutes=240,
    )
    ticket = make_ticket(site_id=site.id, category_id=category.id)
    dispatcher = auth.login(role="dispatcher")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    card = page.split('id="sla"', 1)[1].split("</section>", 1)[0]
    assert "Hardware &lt;Cluj&gt;" in card
    assert "applies because of its category Hardware, site Cluj" in card
    assert "within 30 min" in card and "within 4 h 00 min" in card
    assert "due in 29 min" in card or "due in 30 min" in card
    assert "Time used" in card and "Time paused" in card
    change_status(ticket, dispatcher, "waiting")
    card = client.get(f"/tickets/{ticket.id}").get_data(as_text=True).split('id="sla"', 1)[1]
    assert "paused: waiting on the requester" in card
    history = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Service level <strong>Hardware &lt;Cluj&gt;</strong> applies" in history


def test_the_requester_does_not_see_the_targets(client, auth, make_ticket, make_policy):
    make_policy(name="Standard")
    requester = auth.login()
    ticket = make_ticket(requester=requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="sla"' not in page and "Standard" not in page


def test_inbox_and_queue_show_and_sort_by_the_next_deadline(
    client, auth, make_ticket, make_policy, make_user, now
):
    make_policy(
        name="Normal", around_the_clock=True, first_response_minutes=600, resolution_minutes=1200
    )
    make_policy(
        name="Urgent",
        priority="urgent",
        around_the_clock=True,
        first_response_minutes=10,
        resolution_minutes=60,
    )
    now.at = datetime.now(UTC) - timedelta(minutes=15)
    hurry = make_ticket(subject="Hurry", impact="high", urgency="high")  # 10 minutes to answer
    now.at = datetime.now(UTC)
    calm = make_ticket(subject="Calm")
    none_ = make_ticket(subject="Nothing due")
    dispatcher = auth.login(role="dispatcher")
    change_status(none_, dispatcher, "resolved")
    page = client.get("/desk/inbox?sort=due&status=all").get_data(as_text=True)
    assert page.index("Hurry") < page.index("Calm") < page.index("Nothing due")
    assert "overdue by 5 min" in page or "overdue by 4 min" in page
    assert "due in 9 h 59 min" in page or "due in 10 h 00 min" in page
    breached = client.get("/desk/inbox?sla=breached").get_data(as_text=True)
    assert "Hurry" in breached and "Calm" not in breached

    agent = make_user("agent")
    for t in (calm, hurry):
        catalog(
            t,
            dispatcher,
            expected_version=t.version,
            kind="remote",
            category_id=None,
            priority=t.priority,
            assignee_id=agent.id,
        )
    auth.login(agent)
    queue = client.get("/desk/queue?tab=mine&sort=due").get_data(as_text=True)
    assert queue.index("Hurry") < queue.index("Calm")
    assert 'aria-sort="ascending"' in queue
