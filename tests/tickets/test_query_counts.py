"""The request form and the ticket page run a fixed number of SQL statements: the form at most
ten, the page the same with 5 events as with 50 (no query per event, author or file)."""

from __future__ import annotations

import io

from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import commit, record
from dispatch.tickets.models import Ticket
from dispatch.tickets.services import add_comment
from tests.sql_count import statements, statements_of_page

MAX_CREATE = 10


def test_the_request_form_runs_at_most_ten_statements(client, auth, make_site, make_category):
    site_id = make_site().id
    category_id = make_category(fields=[dict(key="device", label="Device", type="text")]).id
    auth.login()
    for n in range(3):  # the first also trains the triage classifier (once per process)
        data = {
            "site": str(site_id),
            "category": str(category_id),
            "subject": f"Printer {n}",
            "description": "It jams.",
            "impact": "medium",
            "urgency": "medium",
            f"fields-{category_id}-device": "P",
        }
        with statements() as sent:
            response = client.post("/tickets/new", data=data)
        assert response.status_code == 302
        if n:
            assert len(sent) <= MAX_CREATE, "\n".join(s[:90] for s in sent)
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 3


def _ticket_with_history(make_ticket, make_user, requester, events: int) -> int:
    """A ticket whose record has ``events`` more entries, each by someone else: comments (some
    with a file, some internal) and assignments naming another person."""
    ticket = make_ticket(requester=requester)
    for i in range(events):
        author = make_user("dispatcher")  # dispatchers may write internal notes on any ticket
        if i % 3 == 2:
            record(ticket, author, "assigned", new=make_user("agent").id, old=author.id)
            commit()
        else:
            upload = [(io.BytesIO(b"log"), f"log{i}.txt")] if i % 5 == 0 else []
            files = [_file(*f) for f in upload]
            add_comment(ticket, author, f"Note {i}", internal=i % 4 == 1, files=files)
    return ticket.id


def _file(stream, name):
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=stream, filename=name, content_type="text/plain")


def test_the_ticket_page_does_not_grow_with_its_history(client, auth, make_ticket, make_user):
    requester = make_user()
    requester_id = requester.id
    few = _ticket_with_history(make_ticket, make_user, requester, 5)
    many = _ticket_with_history(make_ticket, make_user, requester, 50)
    last = db.session.scalars(db.select(User).order_by(User.id.desc())).first().name
    auth.login(role="dispatcher")
    counts = {n: statements_of_page(client, f"/tickets/{n}", "Note 3") for n in (few, many)}
    assert counts[few] == counts[many], counts
    assert last in client.get(f"/tickets/{many}").get_data(as_text=True)  # assigned to them
    auth.logout()
    auth.login(db.session.get(User, requester_id))
    counts = {n: statements_of_page(client, f"/tickets/{n}", "Note 3") for n in (few, many)}
    assert counts[few] == counts[many], counts


def test_the_staff_panel_reads_nothing_the_page_has_read(
    client, auth, make_ticket, make_user, make_tech
):
    """The dispatcher's ticket page: the record is read once (the panel's latest events come
    from it), and the folds that start closed read no people or groups (their forms are
    fetched when opened). The desk's page of the ticket, which draws every form, reads the
    people and groups they offer once each, however many forms offer them."""
    requester = make_user()
    make_tech(name="Tia Tech")
    ticket_id = _ticket_with_history(make_ticket, make_user, requester, 6)
    ticket = db.session.get(Ticket, ticket_id)
    ticket.kind = "onsite"  # the catalogue and the assignment both offer the technicians
    db.session.commit()
    auth.login(role="dispatcher")

    def reading(sent, table: str) -> list[str]:
        return [s for s in sent if s.lstrip().startswith("SELECT") and f"FROM {table}" in s]

    def staff(sent) -> list[str]:
        return [s for s in sent if "user.role = " in s.replace('"', "")]

    with statements() as sent:
        response = client.get(f"/tickets/{ticket_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="panel-assign"' in html
    assert "Tia Tech" not in html and f"/desk/tickets/{ticket_id}/folds/assign" in html
    assert len(reading(sent, "ticket_event")) == 1, reading(sent, "ticket_event")
    assert reading(sent, "agent_group ORDER BY") == [] and staff(sent) == []

    with statements() as sent:
        response = client.get(f"/desk/tickets/{ticket_id}")
    html = response.get_data(as_text=True)
    # Offered by both forms' assignee, and by the catalogue's three technician rules.
    assert response.status_code == 200 and html.count(">Tia Tech</option>") == 5
    assert len(reading(sent, "agent_group ORDER BY")) <= 1, reading(sent, "agent_group ORDER BY")
    assert len(staff(sent)) == 2, staff(sent)  # the agents and the technicians, once each
