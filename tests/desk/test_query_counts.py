"""The staff lists and the staff ticket page run as many SQL statements with 50 rows as with 5:
their rows' people, sites and categories are loaded together, not one query per row."""

from __future__ import annotations

from dispatch.extensions import db
from dispatch.people.models import Group
from dispatch.tickets.services import add_comment
from tests.sql_count import statements_of_page


def _tickets(n, make_ticket, make_user, make_site, make_category, **kw):
    """n tickets, each with its own requester, site and category (the worst case for N+1)."""
    return [
        make_ticket(
            requester=make_user(),
            site_id=make_site().id,
            category_id=make_category().id,
            subject=f"Batch {n} ticket {i}",
            **kw,
        )
        for i in range(n)
    ]


def test_the_inbox_costs_the_same_with_5_and_50_tickets(
    app, client, auth, make_ticket, make_user, make_site, make_category
):
    app.config["TICKETS_PER_PAGE"] = 50
    auth.login(role="dispatcher")
    _tickets(5, make_ticket, make_user, make_site, make_category)
    few = statements_of_page(client, "/desk/inbox", "Batch 5 ticket 4")
    _tickets(45, make_ticket, make_user, make_site, make_category)
    many = statements_of_page(client, "/desk/inbox", "Batch 45 ticket 44")
    assert few == many <= 12
    searched = statements_of_page(
        client, "/desk/inbox?q=batch+ticket&sort=site", "Batch 45 ticket 44"
    )
    assert searched == many


def test_the_queue_costs_the_same_with_5_and_50_tickets(
    app, client, auth, make_ticket, make_user, make_site, make_category
):
    app.config["TICKETS_PER_PAGE"] = 50
    agent = auth.login(role="agent")
    agent_id = agent.id

    def assign(tickets):
        for t in tickets:
            t.kind, t.status, t.assignee_id = "remote", "assigned", agent_id
            t.group = Group(name=f"Group of {t.subject}")
        db.session.commit()

    assign(_tickets(5, make_ticket, make_user, make_site, make_category))
    few = statements_of_page(client, "/desk/queue", "Batch 5 ticket 4")
    assign(_tickets(45, make_ticket, make_user, make_site, make_category))
    many = statements_of_page(client, "/desk/queue", "Batch 45 ticket 44")
    assert few == many <= 13  # the menu asks once whether the agent manages a site's reports


def test_the_staff_ticket_page_costs_the_same_with_5_and_50_events(
    client, auth, make_ticket, make_user
):
    few, many = make_ticket(), make_ticket()
    last = {}
    for ticket, n in ((few, 5), (many, 50)):
        for i in range(n):
            author = make_user("agent", name=f"Agent {n}-{i}")
            add_comment(ticket, author, f"Note {i}")
        add_comment(ticket, ticket.requester, "Any news?")  # the requester among the latest
        last[ticket.id] = f"Agent {n}-{n - 1}"
    auth.login(role="dispatcher")
    counts = [statements_of_page(client, f"/desk/tickets/{t}", name) for t, name in last.items()]
    assert counts[0] == counts[1], counts


def test_service_levels_add_no_statement_per_row_to_the_inbox(
    app, client, auth, make_ticket, make_user, make_site, make_category
):
    """With a policy in force, every row shows its due time, and the inbox costs as many
    statements with 50 tickets as with 5."""
    from dispatch.sla.models import SlaPolicy

    app.config["TICKETS_PER_PAGE"] = 50
    auth.login(role="dispatcher")
    _tickets(5, make_ticket, make_user, make_site, make_category)
    without = statements_of_page(client, "/desk/inbox", "Batch 5 ticket 4")
    db.session.add(SlaPolicy(name="Everything", first_response_minutes=60, resolution_minutes=600))
    db.session.commit()
    _tickets(5, make_ticket, make_user, make_site, make_category)
    few = statements_of_page(client, "/desk/inbox", "Batch 5 ticket 4")
    _tickets(40, make_ticket, make_user, make_site, make_category)  # 50 in all: one page
    with_sla = statements_of_page(client, "/desk/inbox", "Batch 40 ticket 39")
    page = client.get("/desk/inbox").get_data(as_text=True)
    assert page.count("due in") + page.count("overdue by") >= 45
    assert few == with_sla  # nothing per row
    assert with_sla <= without + 2  # the policies and the closure days, once a page
