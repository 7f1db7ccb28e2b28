"""The ticket page: what it shows, to whom, its history, comments and reopening."""

from __future__ import annotations

import re

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Comment, Status, Ticket
from dispatch.tickets.services import record


@pytest.fixture
def requester(make_user, make_department, make_site):
    site = make_site(name="Headquarters", timezone="Europe/Bucharest")
    return make_user(
        "employee", name="Ana Pop", department=make_department(name="Finance"), site=site
    )


@pytest.fixture
def ticket(make_ticket, make_category, requester):
    hw = make_category(
        name="Hardware",
        fields=[
            {
                "key": "device",
                "label": "Device type",
                "type": "choice",
                "required": True,
                "choices": ["Laptop"],
            },
            {"key": "asset", "label": "Asset tag", "type": "asset_tag", "required": False},
        ],
    )
    return make_ticket(
        requester=requester,
        subject="Laptop will not boot",
        description="Black screen.\n    Fan spins.\n<i>really</i>",
        category_id=hw.id,
        building="North",
        floor="3",
        room="301",
        fields={"device": "Laptop", "asset": "lt-77"},
    )


def add_event(target, actor, type_, internal=False, **data):
    record(target, actor, type_, internal=internal, **data)
    db.session.commit()


def history(page: str) -> str:
    return page.split('id="history"', 1)[1].split("</ol>", 1)[0]


def test_page_shows_everything_the_requester_needs(client, auth, ticket, requester):
    auth.login(requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    for text in (
        ticket.number,
        "Laptop will not boot",
        "New",
        "Not decided",
        "Normal",
        "Ana Pop",
        "Finance",
        "Headquarters",
        "North",
        "301",
        "Hardware",
        "Device type",
        "Laptop",
        "Asset tag",
        "LT-77",
        "A dispatcher will look at your request",
        "Local time",
    ):
        assert text in page, text
    assert "Black screen.\n    Fan spins.\n&lt;i&gt;really&lt;/i&gt;" in page
    assert "Times are the site&#39;s local time (Europe/Bucharest)" in page


def test_someone_elses_ticket_is_404(client, auth, ticket):
    auth.login(role="employee")
    assert client.get(f"/tickets/{ticket.id}").status_code == 404
    assert client.get("/tickets/987654").status_code == 404
    assert client.post(f"/tickets/{ticket.id}/comment", data={"body": "hi"}).status_code == 404
    assert client.post(f"/tickets/{ticket.id}/reopen", data={}).status_code == 404
    assert db.session.scalars(db.select(Comment)).all() == []


def test_anonymous_is_sent_to_login(client, ticket):
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_history_sentences_with_actor_and_time(
    client, auth, ticket, requester, make_user, make_ticket
):
    dana = make_user("dispatcher", name="Dana")
    bob = make_user("agent", name="Bob")
    big = make_ticket(requester=requester, subject="Office move")
    add_event(ticket, dana, "kind", old=None, new="onsite", suggested="remote", confidence=0.8)
    add_event(ticket, dana, "category", old=None, new="Hardware")
    add_event(ticket, dana, "priority", old="normal", new="high")
    add_event(ticket, dana, "assigned", old=None, new="Bob", assignee=bob.id, group=None)
    add_event(ticket, dana, "assigned", assignee=bob.id)  # older shape: only the id
    add_event(ticket, dana, "status", old="new", new="triaged")
    add_event(ticket, dana, "link", relation="parent", old=None, new=big.number)
    add_event(ticket, bob, "claimed", old=None, new="Bob", assignee=bob.id)
    add_event(ticket, dana, "merged_into", old=None, new=big.number)
    add_event(
        ticket, dana, "fields", internal=True, old={"duration_min": 60}, new={"duration_min": 90}
    )
    auth.login(requester)
    page = history(client.get(f"/tickets/{ticket.id}").get_data(as_text=True))
    text = plain(page)
    assert "Ana Pop (employee) submitted the request" in text
    assert re.search(
        r"Dana \(dispatcher\) set kind to On-site — \w{3} \d{1,2}, \d{4} \d\d:\d\d", text
    )
    assert "confidence" not in text
    assert "Dana (dispatcher) set the category to Hardware" in text
    assert "Dana (dispatcher) changed priority from Normal to High" in text
    assert "Dana (dispatcher) assigned the request to Bob" in text
    assert "Dana (dispatcher) assigned the request to Bob (support agent)" in text
    assert "Dana (dispatcher) changed the status from New to Triaged" in text
    assert f"Dana (dispatcher) made this request part of {big.number}" in text
    assert "Bob (support agent) took the request" in text
    assert f"Dana (dispatcher) merged this request into {big.number}" in text
    assert "changed details" not in text  # internal
    assert f'href="/tickets/{big.id}"' in page
    auth.logout()
    auth.login(dana)
    text = plain(history(client.get(f"/tickets/{ticket.id}").get_data(as_text=True)))
    assert "Dana (dispatcher) changed details" in text and "duration min: 60 → 90" in text


def test_unknown_and_malformed_events_never_crash(client, auth, ticket, requester, make_user):
    dana = make_user("dispatcher", name="Dana")
    add_event(ticket, dana, "teleported", planet="Mars", crew=["a", "b"], extra={"x": 1})
    add_event(ticket, dana, "kind", unexpected=True)  # no new value: shown raw
    add_event(ticket, dana, "merged_into", into="not a number")
    add_event(ticket, dana, "assigned", assignee=None)
    add_event(ticket, dana, "status", old=None, new={"weird": [1, 2]})
    add_event(ticket, dana, "attachments", files="<svg onload=alert(1)>")
    ev = record(ticket, dana, "comment", comment=123456)  # a comment that does not exist
    ev.data = ["not", "a", "dict"]
    db.session.commit()
    auth.login(requester)
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 200
    page = history(response.get_data(as_text=True))
    assert "teleported: planet=Mars, crew=a, b, extra=x=1" in page
    assert "kind: unexpected=yes" in page
    assert "merged_into: into=not a number" in page
    assert "Dana (dispatcher)</strong> removed the assignee" in page
    assert "&lt;svg onload=alert(1)&gt;" in page and "<svg" not in page
    assert "not, a, dict" in page


def test_internal_events_and_notes_only_for_staff(client, auth, ticket, requester, make_user):
    from dispatch.tickets.services import add_comment

    agent = make_user("dispatcher", name="Dana")
    add_comment(ticket, agent, "Secret: the disk is dead", internal=True)
    add_comment(ticket, agent, "We are on it")
    auth.login(requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "We are on it" in page
    assert "Secret" not in page and "suggested" not in page and "Internal" not in page
    auth.logout()
    auth.login(agent)
    page = history(client.get(f"/tickets/{ticket.id}").get_data(as_text=True))
    assert "Secret: the disk is dead" in page and "added an internal note" in page
    assert re.search(
        r'class="event internal"[^>]*>\s*<div>\s*<span class="badge[^"]*">Internal', page
    )
    assert "Dispatch (automatic)</strong> " in page  # the triage suggestion, internal
    assert page.index("Secret") < page.index("We are on it")  # comments in timeline order


def test_staff_page_renders_without_staff_panel(client, auth, ticket):
    auth.login(role="dispatcher")
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 200
    assert 'name="internal"' in response.get_data(as_text=True)


def test_relations_are_linked(client, auth, ticket, requester, make_ticket):
    child = make_ticket(requester=requester, subject="Follow-up one", parent_id=ticket.id)
    other = make_ticket(subject="Hidden subject of another person")
    other.merged_into_id = ticket.id
    db.session.commit()
    auth.login(requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'href="/tickets/{child.id}"' in page and "Follow-up one" in page
    assert f'href="/tickets/{other.id}"' in page
    assert "Hidden subject" not in page  # not the requester's to read
    child_page = client.get(f"/tickets/{child.id}").get_data(as_text=True)
    assert "Follow-up of" in child_page and f'href="/tickets/{ticket.id}"' in child_page


# --- comments ----------------------------------------------------------------------------------


def test_requester_comments(client, auth, ticket, requester):
    auth.login(requester)
    response = client.post(
        f"/tickets/{ticket.id}/comment", data={"body": "<script>alert(1)</script> still broken"}
    )
    assert response.status_code == 302
    comment = db.session.scalars(db.select(Comment)).one()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}#c{comment.id}")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; still broken" in page
    assert "<script>alert(1)" not in page
    assert "Ana Pop (employee)</strong> commented" in page


def test_empty_comment_is_refused_and_requester_cannot_write_internal(
    client, auth, ticket, requester
):
    auth.login(requester)
    empty = client.post(f"/tickets/{ticket.id}/comment", data={"body": "   "})
    assert empty.status_code == 400 and "Write something first." in empty.get_data(as_text=True)
    sneaky = client.post(f"/tickets/{ticket.id}/comment", data={"body": "psst", "internal": "y"})
    assert sneaky.status_code == 403
    page = sneaky.get_data(as_text=True)
    assert "Only staff who work on this ticket can write internal notes." in page
    assert db.session.scalars(db.select(Comment)).all() == []


def test_staff_internal_note(client, auth, ticket):
    auth.login(role="dispatcher")
    response = client.post(
        f"/tickets/{ticket.id}/comment", data={"body": "call vendor", "internal": "y"}
    )
    assert response.status_code == 302
    assert db.session.scalars(db.select(Comment)).one().internal


def test_requester_reply_moves_waiting_ticket(client, auth, ticket, requester):
    ticket.status = Status.WAITING
    db.session.commit()
    auth.login(requester)
    client.post(f"/tickets/{ticket.id}/comment", data={"body": "Here is the info"})
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == Status.TRIAGED


def test_comment_form_refuses_missing_csrf_token(app, client, auth, ticket, requester):
    auth.login(requester)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/tickets/{ticket.id}/comment", data={"body": "x"}).status_code == 400
    assert client.post(f"/tickets/{ticket.id}/reopen", data={}).status_code == 400
    assert db.session.scalars(db.select(Comment)).all() == []


# --- reopen ------------------------------------------------------------------------------------


def set_status(ticket, status):
    ticket.status = status
    db.session.commit()


def current_status(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id).status


def test_requester_reopens_resolved(client, auth, ticket, requester):
    set_status(ticket, Status.RESOLVED)
    auth.login(requester)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'action="/tickets/{ticket.id}/reopen"' in page
    response = client.post(
        f"/tickets/{ticket.id}/reopen", data={"reason": "Still black"}, follow_redirects=True
    )
    assert "is reopened" in response.get_data(as_text=True)
    assert current_status(ticket.id) == Status.TRIAGED
    assert "Still black" in response.get_data(as_text=True)  # the reason is in the history


def test_requester_cannot_reopen_closed_but_staff_can(client, auth, ticket, requester):
    set_status(ticket, Status.CLOSED)
    auth.login(requester)
    assert f'action="/tickets/{ticket.id}/reopen"' not in client.get(
        f"/tickets/{ticket.id}"
    ).get_data(as_text=True)
    response = client.post(f"/tickets/{ticket.id}/reopen", data={}, follow_redirects=True)
    assert "open a follow-up instead" in response.get_data(as_text=True)
    assert current_status(ticket.id) == Status.CLOSED
    auth.logout()
    auth.login(role="dispatcher")
    client.post(f"/tickets/{ticket.id}/reopen", data={})
    assert current_status(ticket.id) == Status.TRIAGED


def test_open_ticket_cannot_be_reopened(client, auth, ticket, requester):
    auth.login(requester)
    response = client.post(f"/tickets/{ticket.id}/reopen", data={}, follow_redirects=True)
    assert "Only resolved or closed requests can be reopened." in response.get_data(as_text=True)


def test_department_viewer_cannot_reopen_a_colleagues_ticket(
    client, auth, ticket, requester, make_user
):
    set_status(ticket, Status.RESOLVED)
    auth.login(make_user("employee", department_id=requester.department_id, sees_department=True))
    assert client.post(f"/tickets/{ticket.id}/reopen", data={}).status_code == 403
    assert current_status(ticket.id) == Status.RESOLVED


def test_comment_conflict_shows_current_state_and_keeps_text(
    client, auth, ticket, requester, monkeypatch
):
    from dispatch.errors import Conflict
    from dispatch.tickets import services

    def lose_the_race(*args, **kwargs):
        raise Conflict("Someone else changed this ticket meanwhile.")

    monkeypatch.setattr(services, "add_comment", lose_the_race)
    auth.login(requester)
    response = client.post(f"/tickets/{ticket.id}/comment", data={"body": "my careful words"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this ticket meanwhile." in page
    assert "my careful words" in page and ticket.subject in page


def test_visit_events_read_as_sentences_in_the_site_time(
    client, auth, ticket, requester, make_user
):
    dana = make_user("dispatcher", name="Dana")
    tom = make_user("technician", name="Tom")
    ticket.site_id = requester.site_id
    add_event(
        ticket,
        dana,
        "visit",
        status="scheduled",
        plan=1,
        technician="Tom",
        start="2026-11-30T07:00:00+00:00",
        end="2026-11-30T08:30:00+00:00",
    )
    add_event(ticket, tom, "visit", status="en_route", visit=1)
    add_event(ticket, tom, "visit", status="done", visit=1, time_spent_min=45, notes="")
    add_event(ticket, dana, "visit", status="cancelled", plan=2)
    add_event(
        ticket, dana, "status", old="to_schedule", new="scheduled", reason="plan published", plan=2
    )
    add_event(ticket, dana, "visit", status="teleported")  # unknown: shown raw, never a crash
    auth.login(requester)
    text = plain(history(client.get(f"/tickets/{ticket.id}").get_data(as_text=True)))
    # Bucharest is UTC+2 in winter: the record reads in the site's clock, not UTC.
    assert "Dana (dispatcher) scheduled a visit by Tom on Nov 30, 2026 09:00–10:30" in text
    assert "Tom (field technician) is on the way" in text
    assert "Tom (field technician) finished the visit (45 min of work)" in text
    assert "Dana (dispatcher) cancelled the planned visit" in text
    assert "visit: status=teleported" in text
    assert "T07:00" not in text and "notes:" not in text and "plan:" not in text
