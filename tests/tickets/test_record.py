"""The official record and ticket numbers."""

import threading

import pytest

from dispatch.extensions import db
from dispatch.tickets.models import Status, TicketEvent
from dispatch.tickets.services import NewTicket, create_ticket


def test_creation_is_recorded_with_actor_and_suggestion(make_ticket):
    ticket = make_ticket(subject="Monitor flickers")
    types = [e.type for e in ticket.events]
    assert types[:2] == ["created", "suggested"]
    created = ticket.events[0]
    assert created.actor_id == ticket.requester_id
    assert created.created_at.tzinfo is not None
    assert ticket.status == Status.NEW
    assert ticket.number == f"#{ticket.id}"


def test_events_are_append_only(make_ticket):
    ticket = make_ticket()
    event = ticket.events[0]
    event.type = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(TicketEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(TicketEvent, event.id).type == "created"


def test_numbers_are_unique_when_requests_arrive_together(app, make_user):
    users = [make_user("employee") for _ in range(4)]
    user_ids = [u.id for u in users]
    numbers, errors = [], []
    start = threading.Barrier(len(user_ids))

    def submit(user_id):
        with app.app_context():
            from dispatch.people.models import User

            user = db.session.get(User, user_id)
            start.wait(timeout=30)
            try:
                for i in range(5):
                    numbers.append(
                        create_ticket(user, NewTicket(subject=f"Same instant {i}")).number
                    )
            except Exception as exc:  # reported below, so the test fails with the reason
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(uid,), daemon=True) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(numbers) == 20
    assert len(set(numbers)) == 20


def test_unknown_site_and_category_are_named(make_user):
    from dispatch.errors import ValidationError

    user = make_user()
    with pytest.raises(ValidationError) as info:
        create_ticket(user, NewTicket(subject="x", site_id=999_999, category_id=999_998))
    assert "site" in info.value.errors and "category" in info.value.errors
    assert db.session.scalar(db.select(db.func.count(TicketEvent.id))) == 0
