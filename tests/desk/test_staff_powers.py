"""Staff actions need a staff relation to the ticket: its assignee, a member of its group, or a
dispatcher or admin. Seeing a ticket is not enough: not as its requester (a technician's own
request), not from the pool (an agent claims it first). Every staff route, web and API, with each
role and each relation: a ticket the user cannot see is a 404, one they see but do not work on a
403 — and nothing changes."""

from __future__ import annotations

import pytest

from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.people.models import Group
from dispatch.people.services import create_token
from dispatch.tickets import dispatching
from dispatch.tickets.models import Comment, Ticket

ROLES = ("employee", "agent", "technician", "dispatcher", "admin")
RELATIONS = ("requester", "assignee", "group", "pool", "none")

# What each role has to do with the ticket in each relation:
#   acts      works on it (staff actions allowed)
#   queue     sees it in their queue as staff (the unassigned pool): may claim, nothing more
#   requester sees it only as its requester: the requester's powers
#   hidden    may not see it (404)
_AGENT = {"requester": "requester", "assignee": "acts", "group": "acts", "pool": "queue"}
_TECH = {"requester": "requester", "assignee": "acts"}
EXPECTED = {
    "employee": {"requester": "requester"},
    "agent": _AGENT,
    "technician": _TECH,
    "dispatcher": dict.fromkeys(RELATIONS, "acts"),
    "admin": dict.fromkeys(RELATIONS, "acts"),
}

# The 403 answers say why.
REFUSALS = ("do not work on it", "who work on this ticket", "claim tickets, from the pool")
STAFF = {"agent", "technician", "dispatcher", "admin"}
QUEUE = {"agent", "dispatcher", "admin"}
DISPATCH = {"dispatcher", "admin"}


def fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


@pytest.fixture
def situation(make_user, make_ticket):
    """``situation(user, relation)``: a new ticket in which ``user`` has ``relation``. A
    technician's tickets are on-site jobs, everyone else's remote ones."""
    other_group = Group(name="Another team")
    db.session.add(other_group)
    db.session.commit()

    def make(user, relation, status=None):
        onsite = user.role == "technician"
        other = make_user("technician" if onsite else "agent")
        ticket = make_ticket(requester=user if relation == "requester" else None)
        ticket.kind = "onsite" if onsite else "remote"
        ticket.group_id = None if onsite else other_group.id
        ticket.assignee_id = other.id
        if relation == "assignee":
            ticket.assignee_id, ticket.group_id = user.id, None
        elif relation == "group":
            group = Group(name=f"Team of {user.name} {ticket.id}", members=[user])
            db.session.add(group)
            db.session.flush()
            ticket.assignee_id, ticket.group_id = None, group.id
        elif relation == "pool":
            ticket.assignee_id, ticket.group_id = None, None
        ticket.status = status or (
            "to_schedule" if onsite else ("assigned" if ticket.assignee_id else "triaged")
        )
        db.session.commit()
        return fresh(ticket.id)

    return make


def _desk_page(client, t, user):
    return client.get(f"/desk/tickets/{t.id}")


def _status(client, t, user):
    data = {"status-target": "waiting", "status-version": t.version}
    return client.post(f"/desk/tickets/{t.id}/status", data=data)


def _claim(client, t, user):
    return client.post(f"/desk/tickets/{t.id}/claim", data={"claim-version": t.version})


def _assign(client, t, user):
    return client.post(f"/desk/tickets/{t.id}/assign", data={"assign-version": t.version})


def _catalog(client, t, user):
    return client.post(
        f"/desk/tickets/{t.id}/catalog",
        data={
            "catalog-version": t.version,
            "catalog-kind": t.kind,
            "catalog-priority": "high",
            "catalog-assignee": t.assignee_id or "",
            "catalog-group": t.group_id or "",
        },
    )


def _merge(client, t, user):
    return client.post(f"/desk/tickets/{t.id}/merge", data={"merge-version": t.version})


def _link(client, t, user):
    return client.post(f"/desk/tickets/{t.id}/link", data={"link-version": t.version})


def _internal_note(client, t, user):
    return client.post(f"/tickets/{t.id}/comment", data={"body": "between us", "internal": "y"})


def _api_triage(client, t, user):
    return client.post(
        f"/api/v1/tickets/{t.id}/triage",
        json={"kind": t.kind, "priority": "high"},
        headers={"Authorization": f"Bearer {create_token(user)}"},
    )


def _changed_status(t):
    return fresh(t.id).status == "waiting"


def _claimed(t, user):
    return fresh(t.id).assignee_id == user.id


def _priority_high(t):
    return fresh(t.id).priority == "high"


def _noted(t):
    return db.session.scalar(db.select(Comment).where(Comment.ticket_id == t.id)) is not None


# route name → (call, roles it is for, what the action changes or None, success codes).
ROUTES = {
    "desk page": (_desk_page, STAFF, None, {200}),
    "status": (_status, STAFF, lambda t, u: _changed_status(t), {302}),
    "claim": (_claim, QUEUE, _claimed, {302}),
    "assign": (_assign, DISPATCH, None, {302}),
    "catalog": (_catalog, DISPATCH, lambda t, u: _priority_high(t), {302}),
    "merge": (_merge, DISPATCH, None, {400}),  # no target given: the form's error, no 403
    "link": (_link, DISPATCH, None, {302}),  # no parent given: detached (it had none)
    "internal note": (_internal_note, set(ROLES), lambda t, u: _noted(t), {302}),
    "api triage": (_api_triage, DISPATCH, lambda t, u: _priority_high(t), {200}),
}


def expected_code(route: str, role: str, relation: str, ticket: Ticket, user) -> int | set:
    call, roles, _changed, success = ROUTES[route]
    what = EXPECTED[role].get(relation, "hidden")
    if role not in roles or what == "hidden":
        return {404}
    if route == "claim" and what in ("acts", "queue"):
        # Claiming asks for the queue, not for work: someone else's ticket is a conflict.
        return {302} if ticket.assignee_id in (None, user.id) else {409}
    if route == "desk page" and what == "queue":
        return {200}  # with the claim button only
    if what != "acts":
        return {403}
    return success


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_staff_routes_by_role_and_relation(client, auth, make_user, situation, role, relation):
    user = make_user(role)
    auth.login(user)
    for route, (call, _roles, changed, _success) in ROUTES.items():
        ticket = situation(user, relation)
        expected = expected_code(route, role, relation, ticket, user)
        response = call(client, ticket, user)
        assert response.status_code in expected, (route, response.status_code, expected)
        if response.status_code == 403:
            body = response.get_data(as_text=True)
            assert any(m in body for m in REFUSALS), (route, body)
        if changed is not None:
            done = response.status_code in (200, 302)
            if route == "claim" and ticket.assignee_id == user.id:
                done = True  # theirs before, whatever the answer
            assert changed(ticket, user) == done, route


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_reopening_a_closed_ticket_needs_work_on_it(
    client, auth, make_user, situation, role, relation
):
    user = make_user(role)
    auth.login(user)
    ticket = situation(user, relation, status="closed")
    response = client.post(f"/tickets/{ticket.id}/reopen", data={"reason": "again"})
    what = EXPECTED[role].get(relation, "hidden")
    expected = {"acts": 302, "requester": 302, "queue": 403, "hidden": 404}[what]
    assert response.status_code == expected
    # A requester (staff or not) opens a follow-up instead: the closed ticket stays closed.
    assert (fresh(ticket.id).status != "closed") == (what == "acts")


def _page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_technician_on_their_own_request_sees_the_requester_page(
    client, auth, make_user, situation, dispatcher_user
):
    tech = make_user("technician")
    ticket = situation(tech, "requester")
    dispatching_note = Comment(
        ticket_id=ticket.id, author=dispatcher_user, body="internal remark", internal=True
    )
    db.session.add(dispatching_note)
    db.session.commit()
    auth.login(tech)
    page = _page(client, ticket)
    assert 'id="staff-panel"' not in page and 'name="internal"' not in page
    assert "internal remark" not in page
    headers = {"Authorization": f"Bearer {create_token(tech)}"}
    shown = client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).get_json()
    assert shown["suggestion"] is None  # an internal aid: not for the requester


def test_agent_sees_only_the_claim_button_on_a_pool_ticket(client, auth, make_user, situation):
    agent = make_user("agent")
    pool, mine = situation(agent, "pool"), situation(agent, "assignee")
    auth.login(agent)
    page = _page(client, pool)
    assert 'id="staff-panel"' in page and "Claim this ticket" in page
    assert 'id="panel-status"' not in page and 'name="internal"' not in page
    page = _page(client, mine)
    assert 'id="panel-status"' in page and 'name="internal"' in page


def test_a_group_member_claims_a_group_ticket_and_a_colleague_is_told(
    make_user, situation, client, auth
):
    agent, colleague = make_user("agent"), make_user("agent")
    ticket = situation(agent, "group")
    fresh(ticket.id).group.members.append(colleague)
    db.session.commit()
    auth.login(agent)
    assert _claim(client, ticket, agent).status_code == 302
    assert _claimed(ticket, agent)
    with pytest.raises(Conflict, match="already taken"):
        dispatching.claim(fresh(ticket.id), colleague, None)


@pytest.fixture
def dispatcher_user(make_user):
    return make_user("dispatcher")


def test_the_services_refuse_staff_who_do_not_work_on_the_ticket(make_user, situation):
    """The rule holds below the views too: every staff use case checks it."""
    from dispatch.errors import Forbidden, ValidationError
    from dispatch.tickets import job_places, services

    agent = make_user("agent")
    pool, other = situation(agent, "pool"), situation(agent, "pool")
    calls = {
        "catalog": lambda t: dispatching.catalog(
            t, agent, expected_version=None, kind="remote", category_id=None, priority="high"
        ),
        "assign": lambda t: dispatching.assign(t, agent, expected_version=None),
        "merge": lambda t: dispatching.merge(t, other, agent),
        "link": lambda t: dispatching.link_parent(t, other, agent),
        "point": lambda t: job_places.set_point(
            t, agent, expected_version=None, latitude=None, longitude=None
        ),
        "status": lambda t: services.change_status(t, agent, "waiting"),
        "internal note": lambda t: services.add_comment(t, agent, "x", internal=True),
    }
    for name, call in calls.items():
        with pytest.raises(Forbidden):
            call(fresh(pool.id))
        db.session.rollback()
        assert fresh(pool.id).version == pool.version, name
    with pytest.raises(ValidationError, match="No such ticket"):
        dispatching.bulk_catalog([pool.id], agent, kind="onsite")
