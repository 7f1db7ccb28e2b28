"""A reply lands on its ticket: signed Message-IDs first, the subject tag only for people on
the ticket; anyone else, or a forged reference, waits for the dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.extensions import db
from dispatch.mail.message_ids import make_message_id
from dispatch.mail.models import Inbound, MailMessage
from dispatch.tickets.models import Comment, Status, Ticket, TicketEvent
from dispatch.types import utcnow

QUOTED = """Still broken after the restart.

On Tue, 3 Mar 2026 at 09:12, Help desk <help@example.com> wrote:
> ##- Please type your reply above this line -##
> Please restart it.
"""


@pytest.fixture
def ticket(make_ticket, make_user):
    return make_ticket(requester=make_user(email="ana@example.com", name="Ana"))


def events(ticket, type_):
    return db.session.scalars(
        db.select(TicketEvent).filter_by(ticket_id=ticket.id, type=type_)
    ).all()


def test_reply_with_our_signed_id_becomes_a_comment_trimmed(ingest, mail, ticket):
    ours = make_message_id(ticket.id)
    outcome = ingest(
        mail(
            sender="ana@example.com",
            subject="Re: anything",
            body=QUOTED,
            headers={"In-Reply-To": ours, "References": ours},
        )
    )
    assert (outcome.status, outcome.ticket_id) == (Inbound.COMMENT, ticket.id)
    [comment] = db.session.get(Ticket, ticket.id).comments
    assert comment.body == "Still broken after the restart."
    assert db.session.get(MailMessage, outcome.mail_id).comment_id == comment.id


def test_signature_and_html_quote_are_trimmed(ingest, mail, ticket):
    ours = make_message_id(ticket.id)
    ingest(
        mail(
            sender="ana@example.com",
            body="Thanks!\n\n-- \nAna Pop\nAccounting",
            headers={"In-Reply-To": ours},
        )
    )
    ingest(
        mail(
            sender="ana@example.com",
            body=None,
            headers={"References": ours},
            html="<div>Works now</div><blockquote type=cite>old text</blockquote>",
        )
    )
    bodies = [c.body for c in db.session.get(Ticket, ticket.id).comments]
    assert bodies == ["Thanks!", "Works now"]


def test_reply_from_the_requester_takes_a_waiting_ticket_back(ingest, mail, ticket):
    ticket.status = Status.WAITING
    db.session.commit()
    ingest(mail(sender="ana@example.com", headers={"In-Reply-To": make_message_id(ticket.id)}))
    assert db.session.get(Ticket, ticket.id).status == Status.TRIAGED


def test_subject_tag_is_enough_for_the_requester_only(ingest, mail, ticket):
    outcome = ingest(mail(sender="ana@example.com", subject=f"Re: [#{ticket.id}] printer"))
    assert (outcome.status, outcome.ticket_id) == (Inbound.COMMENT, ticket.id)
    held = ingest(mail(sender="mallory@evil.example", subject=f"Re: [#{ticket.id}] printer"))
    assert held.status == Inbound.QUARANTINE and held.ticket_id == ticket.id
    assert len(db.session.get(Ticket, ticket.id).comments) == 1
    assert len(events(ticket, "mail_held")) == 1


def test_signed_reference_from_a_stranger_or_forged_is_held(ingest, mail, ticket):
    outcome = ingest(
        mail(sender="mallory@evil.example", headers={"In-Reply-To": make_message_id(ticket.id)})
    )
    assert outcome.status == Inbound.QUARANTINE and "not on the ticket" in outcome.reason
    forged = f"<dispatch.{ticket.id}.abc.{'0' * 20}@localhost>"
    outcome = ingest(mail(sender="ana@example.com", headers={"In-Reply-To": forged}))
    assert outcome.status == Inbound.QUARANTINE and "forged" in outcome.reason
    assert db.session.get(Ticket, ticket.id).comments == []


def test_participant_other_than_the_requester_may_reply(ingest, mail, ticket, make_user):
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "Looking at it")
    outcome = ingest(
        mail(sender="victor@example.com", headers={"In-Reply-To": make_message_id(ticket.id)})
    )
    assert outcome.status == Inbound.COMMENT


def test_admin_can_post_a_held_reply(ingest, mail, ticket):
    from dispatch.mail.ingest import retry

    held = ingest(
        mail(sender="boss@example.com", subject=f"[#{ticket.id}] more info", body="Room 12 too.")
    )
    assert held.status == Inbound.QUARANTINE
    assert retry(held.mail_id).status == Inbound.QUARANTINE  # same decision without a human
    outcome = retry(held.mail_id, trust_sender=True)
    assert outcome.status == Inbound.COMMENT
    assert db.session.get(Ticket, ticket.id).comments[-1].body == "Room 12 too."


def test_reply_to_a_recently_resolved_ticket_reopens_it(ingest, mail, ticket):
    ticket.status, ticket.resolved_at = Status.RESOLVED, utcnow() - timedelta(days=2)
    db.session.commit()
    outcome = ingest(
        mail(sender="ana@example.com", headers={"In-Reply-To": make_message_id(ticket.id)})
    )
    assert outcome.status == Inbound.COMMENT
    fresh = db.session.get(Ticket, ticket.id)
    assert fresh.status == Status.TRIAGED and fresh.resolved_at is None


def test_reply_to_a_long_closed_ticket_opens_a_linked_follow_up(ingest, mail, ticket, app):
    app.config["MAIL_REOPEN_DAYS"] = 7
    ticket.status, ticket.closed_at = Status.CLOSED, utcnow() - timedelta(days=30)
    db.session.commit()
    outcome = ingest(
        mail(
            sender="ana@example.com",
            subject="Re: printer again",
            headers={"In-Reply-To": make_message_id(ticket.id)},
        )
    )
    assert outcome.status == Inbound.TICKET and outcome.ticket_id != ticket.id
    follow_up = db.session.get(Ticket, outcome.ticket_id)
    assert follow_up.parent_id == ticket.id and follow_up.channel == "email"
    assert db.session.get(Ticket, ticket.id).status == Status.CLOSED


def test_reply_to_the_requesters_own_first_mail_threads(ingest, mail):
    first = ingest(mail(sender="ana@example.com", message_id="<first@example.com>"))
    again = ingest(
        mail(
            sender="ana@example.com",
            subject="Re: Printer",
            body="Also the scanner.",
            headers={"In-Reply-To": "<first@example.com>"},
        )
    )
    assert (again.status, again.ticket_id) == (Inbound.COMMENT, first.ticket_id)
    stranger = ingest(mail(sender="x@example.org", headers={"In-Reply-To": "<first@example.com>"}))
    assert stranger.status == Inbound.QUARANTINE


def test_staff_reply_by_mail_reaches_the_requester(ingest, mail, ticket, make_user, outbox):
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "On it")
    ingest(
        mail(
            sender="victor@example.com",
            body="Fixed the toner.",
            headers={"In-Reply-To": make_message_id(ticket.id)},
        )
    )
    rows = [r for r in outbox() if r.kind == "comment"]
    assert rows[-1].recipient == "ana@example.com" and "Fixed the toner." in rows[-1].body


def test_attachment_on_a_reply_is_stored_on_the_comment(ingest, mail, ticket):
    from dispatch.tickets.models import Attachment

    ingest(
        mail(
            sender="ana@example.com",
            body="photo attached",
            headers={"In-Reply-To": make_message_id(ticket.id)},
            attachments=[("photo.jpg", b"\xff\xd8\xff", "image/jpeg")],
        )
    )
    [att] = db.session.scalars(db.select(Attachment).filter_by(ticket_id=ticket.id)).all()
    assert att.comment_id == db.session.scalar(db.select(Comment.id).filter_by(ticket_id=ticket.id))
