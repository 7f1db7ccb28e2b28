"""Merging duplicates, parent/child links and the bulk catalogue: the rules and the record."""

import pytest

from dispatch.errors import Conflict, Forbidden, ValidationError
from dispatch.extensions import db
from dispatch.tickets import dispatching, services
from dispatch.tickets.models import Ticket, TicketEvent
from dispatch.triage.models import TriageDecision


def fresh(ticket_id):
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def types(ticket_id):
    return [
        e.type
        for e in db.session.scalars(
            db.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        )
    ]


@pytest.fixture
def dispatcher(make_user):
    return make_user("dispatcher")


def test_merge_from_the_panel_closes_the_duplicate(client, auth, make_ticket):
    target, duplicate = (
        make_ticket(subject="Printer jam"),
        make_ticket(subject="Printer jammed again"),
    )
    services.add_comment(duplicate, duplicate.requester, "Still jammed.")
    auth.login(role="dispatcher")
    r = client.post(
        f"/desk/tickets/{duplicate.id}/merge",
        data={"merge-version": fresh(duplicate.id).version, "merge-target": f"#{target.id}"},
    )
    assert r.status_code == 302
    dup = fresh(duplicate.id)
    assert dup.status == "closed" and dup.merged_into_id == target.id
    assert [c.body for c in dup.comments] == ["Still jammed."]  # comments stay where they were
    assert {"merged_into", "status"} <= set(types(dup.id))
    assert "merged" in types(target.id)
    assert fresh(target.id).status == "new"


def test_merge_rules(app, make_ticket, dispatcher):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    with pytest.raises(ValidationError, match="itself"):
        dispatching.merge(a, a, dispatcher)
    dispatching.merge(a, b, dispatcher)
    # b absorbed a: a is merged, so nothing can be merged into it — no loops b → a → b.
    with pytest.raises(ValidationError) as err:
        dispatching.merge(fresh(b.id), fresh(a.id), dispatcher)
    assert err.value.field == "target"
    with pytest.raises(ValidationError):
        dispatching.merge(fresh(a.id), fresh(c.id), dispatcher)  # already merged
    services.change_status(fresh(c.id), dispatcher, "closed")
    d = make_ticket()
    with pytest.raises(ValidationError, match="merged or closed"):
        dispatching.merge(d, fresh(c.id), dispatcher)
    assert fresh(d.id).status == "new" and fresh(d.id).merged_into_id is None


def test_merge_into_own_sub_ticket_is_refused_and_children_move(app, make_ticket, dispatcher):
    parent, child, other = make_ticket(), make_ticket(), make_ticket()
    dispatching.link_parent(child, parent, dispatcher)
    with pytest.raises(ValidationError, match="sub-ticket"):
        dispatching.merge(fresh(parent.id), fresh(child.id), dispatcher)
    dispatching.merge(fresh(parent.id), fresh(other.id), dispatcher)
    assert fresh(child.id).parent_id == other.id


def test_link_rules_and_record(client, auth, make_ticket, dispatcher):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    with pytest.raises(ValidationError, match="own parent"):
        dispatching.link_parent(a, a, dispatcher)
    dispatching.link_parent(fresh(b.id), fresh(a.id), dispatcher)  # a ⊃ b
    dispatching.link_parent(fresh(c.id), fresh(b.id), dispatcher)  # b ⊃ c
    with pytest.raises(ValidationError, match="loop"):
        dispatching.link_parent(fresh(a.id), fresh(c.id), dispatcher)  # c ⊃ a would close a loop
    assert fresh(a.id).parent_id is None
    link = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=c.id, type="link")).one()
    assert link.data == {"relation": "parent", "old": None, "new": b.number}
    assert "link" in types(b.id)
    # Through the panel: a bad number is shown next to the field; empty detaches.
    auth.login(role="dispatcher")
    r = client.post(
        f"/desk/tickets/{a.id}/link",
        data={"link-version": fresh(a.id).version, "link-parent": f"#{c.id}"},
    )
    assert r.status_code == 400 and b"loop" in r.data
    r = client.post(
        f"/desk/tickets/{c.id}/link", data={"link-version": fresh(c.id).version, "link-parent": ""}
    )
    assert r.status_code == 302 and fresh(c.id).parent_id is None
    r = client.post(
        f"/desk/tickets/{c.id}/link",
        data={"link-version": fresh(c.id).version, "link-parent": "#999999"},
    )
    assert r.status_code == 400 and b"No ticket #999999" in r.data


def test_bulk_catalogue_from_the_inbox(client, auth, make_ticket, make_category):
    category = make_category()
    tickets = [make_ticket() for _ in range(3)]
    auth.login(role="dispatcher")
    r = client.post(
        "/desk/bulk",
        data={
            "ticket": [f"{t.id}:{t.version}" for t in tickets[:2]],
            "kind": "remote",
            "category": category.id,
            "priority": "high",
            "next": "/desk/inbox?status=open",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/desk/inbox?status=open")
    for t in tickets[:2]:
        t = fresh(t.id)
        assert (t.kind, t.status, t.category_id, t.priority) == (
            "remote",
            "triaged",
            category.id,
            "high",
        )
        assert {"catalogued", "kind", "category", "priority", "status"} <= set(types(t.id))
    assert fresh(tickets[2].id).kind is None
    assert db.session.scalar(db.select(db.func.count()).select_from(TriageDecision)) == 2


def test_bulk_is_all_or_nothing(client, auth, make_ticket, dispatcher):
    good, closed = make_ticket(), make_ticket()
    services.change_status(closed, dispatcher, "closed")
    before = types(good.id)
    with pytest.raises(ValidationError, match="closed"):
        dispatching.bulk_catalog([good.id, closed.id], dispatcher, kind="onsite")
    with pytest.raises(ValidationError, match="#424242"):
        dispatching.bulk_catalog([good.id, 424242], dispatcher, kind="onsite")
    with pytest.raises(ValidationError):
        dispatching.bulk_catalog([good.id], dispatcher, kind="onsite", category_id=31337)
    with pytest.raises(Conflict):
        dispatching.bulk_catalog(
            [good.id],
            dispatcher,
            kind="onsite",
            expected_versions={good.id: fresh(good.id).version - 1},
        )
    assert fresh(good.id).kind is None and types(good.id) == before
    # Through the page: the dispatcher is told, nothing changes.
    auth.login(role="dispatcher")
    r = client.post(
        "/desk/bulk",
        data={"ticket": [str(good.id), str(closed.id)], "kind": "onsite"},
        follow_redirects=True,
    )
    assert b"Nothing was changed" in r.data, r.data.decode()[r.data.decode().find("<main") :][:600]
    assert fresh(good.id).kind is None


def test_bulk_onsite_defaults_and_keeps_a_fitting_assignee(
    app, make_ticket, make_category, make_site, make_user, dispatcher
):
    site = make_site()
    category = make_category(default_duration_min=45)
    tech, agent = make_user("technician"), make_user("agent")
    t1 = make_ticket(site_id=site.id, category_id=category.id)
    t2 = make_ticket()
    dispatching.catalog(
        t2,
        dispatcher,
        expected_version=t2.version,
        kind="remote",
        category_id=None,
        priority="normal",
        assignee_id=agent.id,
    )
    dispatching.catalog(
        fresh(t1.id),
        dispatcher,
        expected_version=fresh(t1.id).version,
        kind="onsite",
        category_id=category.id,
        priority="normal",
        assignee_id=tech.id,
    )
    dispatching.bulk_catalog([t1.id, t2.id], dispatcher, kind="onsite", priority="urgent")
    one, two = fresh(t1.id), fresh(t2.id)
    assert (
        one.assignee_id == tech.id and one.duration_min == 45 and one.access_from == site.opens_at
    )
    assert two.assignee_id is None and two.status == "to_schedule" and two.duration_min == 60
    assert two.priority == "urgent"


def test_claim(client, auth, make_ticket, make_user, dispatcher):
    ticket = make_ticket()
    dispatching.catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="remote",
        category_id=None,
        priority="normal",
    )
    agent = auth.login(role="agent")
    r = client.post(
        f"/desk/tickets/{ticket.id}/claim",
        data={"claim-version": fresh(ticket.id).version, "claim-next": "/desk/queue"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/desk/queue")
    t = fresh(ticket.id)
    assert t.assignee_id == agent.id and t.status == "assigned" and "claimed" in types(t.id)
    rival = make_user("agent")  # the ticket is no longer in their queue
    with pytest.raises(Forbidden):
        dispatching.claim(t, rival, t.version)


def test_panel_next_never_leaves_the_site(client, auth, make_ticket):
    ticket = make_ticket()
    auth.login(role="dispatcher")
    r = client.post(
        f"/desk/tickets/{ticket.id}/catalog",
        data={
            "catalog-version": ticket.version,
            "catalog-kind": "remote",
            "catalog-priority": "normal",
            "catalog-next": "//evil.example/x",
        },
    )
    assert r.status_code == 302 and "evil" not in r.headers["Location"]


def test_status_buttons_follow_the_workflow(client, auth, make_ticket, make_user):
    ticket = make_ticket()
    dispatcher = make_user("dispatcher")
    agent = make_user("agent")
    dispatching.catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="remote",
        category_id=None,
        priority="normal",
        assignee_id=agent.id,
    )
    t = fresh(ticket.id)
    assert "to_schedule" not in dispatching.status_targets(
        t
    ) and "waiting" in dispatching.status_targets(t)
    auth.login(agent)
    r = client.post(
        f"/desk/tickets/{t.id}/status",
        data={"status-version": t.version, "status-target": "scheduled"},
    )
    assert r.status_code == 400 and fresh(t.id).status == "assigned"
    for target in ("in_progress", "waiting", "resolved"):
        r = client.post(
            f"/desk/tickets/{t.id}/status",
            data={"status-version": fresh(t.id).version, "status-target": target},
        )
        assert r.status_code == 302 and fresh(t.id).status == target
    assert dispatching.status_targets(fresh(t.id)) == ["reopen"]
    services.reopen(fresh(t.id), fresh(t.id).requester)  # the requester can reopen
    assert fresh(t.id).status == "assigned"
    r = client.post(
        f"/desk/tickets/{t.id}/status", data={"status-version": 1, "status-target": "resolved"}
    )
    assert r.status_code == 409 and fresh(t.id).status == "assigned"


def test_dispatcher_who_claimed_keeps_the_ticket_on_recatalogue(
    client, auth, make_ticket, dispatcher
):
    ticket = make_ticket()
    dispatching.catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="remote",
        category_id=None,
        priority="normal",
    )
    dispatching.claim(fresh(ticket.id), dispatcher, fresh(ticket.id).version)
    auth.login(dispatcher)
    page = client.get(f"/desk/tickets/{ticket.id}").data.decode()
    assert f'<option selected value="{dispatcher.id}">' in page
    t = fresh(ticket.id)
    r = client.post(
        f"/desk/tickets/{t.id}/catalog",
        data={
            "catalog-version": t.version,
            "catalog-kind": "remote",
            "catalog-priority": "high",
            "catalog-assignee": dispatcher.id,
        },
    )
    assert r.status_code == 302
    assert fresh(t.id).assignee_id == dispatcher.id and fresh(t.id).priority == "high"
