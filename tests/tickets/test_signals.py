"""What a ticket use case signals: receivers write inside its one transaction, so what they
add is committed with the change, and a receiver that fails leaves nothing behind."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.tickets import dispatching
from dispatch.tickets.models import Ticket, TicketEvent
from dispatch.tickets.services import NewTicket, create_ticket, ticket_created
from dispatch.triage.models import TriageDecision


def test_the_suggestion_is_stored_with_the_new_ticket(make_user):
    ticket = create_ticket(
        make_user("employee"),
        NewTicket(subject="Projector in meeting room shows no signal", description="Room Everest."),
    )
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id)
    assert stored.suggested_kind == "onsite" and stored.version == 1  # inserted once, complete
    assert [e.type for e in stored.events] == ["created", "suggested"]


def test_a_failing_receiver_leaves_no_ticket(make_user):
    requester = make_user("employee")

    def broken(ticket, **_kwargs):
        raise RuntimeError("receiver failed")

    ticket_created.connect(broken)
    try:
        with pytest.raises(RuntimeError, match="receiver failed"):
            create_ticket(requester, NewTicket(subject="Printer jammed", description="Again."))
    finally:
        ticket_created.disconnect(broken)
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0
    assert db.session.scalar(db.select(db.func.count(TicketEvent.id))) == 0


def test_a_kind_decision_is_training_data_committed_with_the_catalogue(make_ticket, make_user):
    dispatcher = make_user("dispatcher")
    ticket = make_ticket(subject="VPN keeps dropping", description="At home, since the update.")
    dispatching.catalog(
        ticket,
        dispatcher,
        expected_version=ticket.version,
        kind="onsite",
        category_id=None,
        priority=ticket.priority,
    )
    db.session.expire_all()
    (decision,) = db.session.scalars(db.select(TriageDecision)).all()
    assert decision.ticket_id == ticket.id and decision.kind == "onsite"
    assert db.session.get(Ticket, ticket.id).kind == "onsite"
