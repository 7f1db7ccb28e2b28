"""A reply lands on its ticket only with one of our signed Message-IDs and from someone on the
ticket; a staff member's reply also needs our mail server's word that they sent it. A subject
tag never attaches anything: it opens a new request, or waits for review in a staff name."""

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


def test_subject_tag_alone_opens_a_new_request_even_from_the_requester(ingest, mail, ticket):
    outcome = ingest(mail(sender="ana@example.com", subject=f"Re: [#{ticket.id}] printer"))
    assert outcome.status == Inbound.TICKET and outcome.ticket_id != ticket.id
    stranger = ingest(mail(sender="mallory@evil.example", subject=f"Re: [#{ticket.id}] printer"))
    assert stranger.status == Inbound.TICKET and stranger.ticket_id != ticket.id
    assert db.session.get(Ticket, ticket.id).comments == []
    assert events(ticket, "mail_held") == []


def test_forged_dispatcher_with_a_subject_tag_posts_and_mails_nothing(
    ingest, mail, ticket, make_user, outbox
):
    """The attack: From the dispatcher, Subject [#N]. Nothing public, nothing to the requester."""
    dispatcher = make_user("dispatcher", email="dora@example.com", name="Dora")
    ticket.assignee_id = dispatcher.id  # on the ticket: the old rule trusted her From header
    db.session.commit()
    outcome = ingest(
        mail(
            sender="Dora <dora@example.com>",
            subject=f"Re: [#{ticket.id}] printer",
            body="Please pay the invoice at http://evil.example/pay",
        )
    )
    assert outcome.status == Inbound.QUARANTINE and outcome.ticket_id == ticket.id
    assert "staff address" in outcome.reason
    assert db.session.get(Ticket, ticket.id).comments == []
    assert [r for r in outbox() if "evil.example" in r.body] == []
    assert [r.kind for r in outbox()] == ["ack"]  # the ticket's own, from before
    [held] = events(ticket, "mail_held")
    assert held.internal


def test_signed_reference_from_a_stranger_or_forged_is_held(ingest, mail, ticket):
    outcome = ingest(
        mail(sender="mallory@evil.example", headers={"In-Reply-To": make_message_id(ticket.id)})
    )
    assert outcome.status == Inbound.QUARANTINE and "not on the ticket" in outcome.reason
    forged = f"<dispatch.{ticket.id}.abc.{'0' * 20}@localhost>"
    outcome = ingest(mail(sender="ana@example.com", headers={"In-Reply-To": forged}))
    assert outcome.status == Inbound.QUARANTINE and "forged" in outcome.reason
    assert db.session.get(Ticket, ticket.id).comments == []


def test_participant_other_than_the_requester_may_reply(
    ingest, mail, ticket, make_user, authenticated
):
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "Looking at it")
    outcome = ingest(
        mail(
            sender="victor@example.com",
            headers={"In-Reply-To": make_message_id(ticket.id), **authenticated("example.com")},
        )
    )
    assert outcome.status == Inbound.COMMENT


def test_staff_reply_is_held_when_nothing_can_authenticate_it(ingest, mail, ticket, make_user):
    """Without MAIL_AUTHSERV_ID a staff address in From proves nothing: even with our signed
    reference (which the requester holds), the reply waits rather than speak for staff."""
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "Looking at it")
    outcome = ingest(
        mail(sender="victor@example.com", headers={"In-Reply-To": make_message_id(ticket.id)})
    )
    assert outcome.status == Inbound.QUARANTINE and "cannot be authenticated" in outcome.reason
    assert [c.body for c in db.session.get(Ticket, ticket.id).comments] == ["Looking at it"]


def test_requester_forging_staff_on_their_own_ticket_is_quarantined(
    ingest, mail, ticket, make_user, authenticated, outbox
):
    """The requester holds our signed id (from the acknowledgement); From the agent, with our
    server saying DMARC failed, it is held with the reason and nothing goes out."""
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "Looking at it")
    sent_before = len(outbox())
    outcome = ingest(
        mail(
            sender="victor@example.com",
            body="Approved: ship a new laptop.",
            headers={
                "In-Reply-To": make_message_id(ticket.id),
                **authenticated("example.com", "dmarc=fail header.from=example.com"),
            },
        )
    )
    assert outcome.status == Inbound.QUARANTINE
    assert "sender authentication failed (dmarc=fail)" in outcome.reason
    assert [c.body for c in db.session.get(Ticket, ticket.id).comments] == ["Looking at it"]
    assert len(outbox()) == sent_before


def test_authenticated_staff_with_only_a_subject_tag_still_waits(
    ingest, mail, ticket, make_user, authenticated
):
    make_user("dispatcher", email="dora@example.com")
    outcome = ingest(
        mail(
            sender="dora@example.com",
            subject=f"[#{ticket.id}] more",
            headers=authenticated("example.com"),
        )
    )
    assert outcome.status == Inbound.QUARANTINE and outcome.ticket_id == ticket.id
    assert db.session.get(Ticket, ticket.id).comments == []


def test_admin_can_post_a_held_reply(ingest, mail, ticket):
    from dispatch.mail.ingest import retry

    held = ingest(
        mail(
            sender="boss@example.com",
            subject="more info",
            body="Room 12 too.",
            headers={"In-Reply-To": make_message_id(ticket.id)},
        )
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


def test_reply_to_the_requesters_own_first_mail_is_a_new_request(ingest, mail):
    """A Message-ID the sender chose is no proof: anyone who saw (or guessed) it could write."""
    first = ingest(mail(sender="ana@example.com", message_id="<first@example.com>"))
    again = ingest(
        mail(
            sender="ana@example.com",
            subject="Re: Printer",
            body="Also the scanner.",
            headers={"In-Reply-To": "<first@example.com>"},
        )
    )
    assert again.status == Inbound.TICKET and again.ticket_id != first.ticket_id
    assert db.session.get(Ticket, first.ticket_id).comments == []


def test_staff_reply_by_mail_reaches_the_requester(
    ingest, mail, ticket, make_user, outbox, authenticated
):
    from dispatch.tickets.services import add_comment

    agent = make_user("agent", email="victor@example.com")
    add_comment(ticket, agent, "On it")
    outcome = ingest(
        mail(
            sender="victor@example.com",
            body="Fixed the toner.",
            headers={"In-Reply-To": make_message_id(ticket.id), **authenticated("example.com")},
        )
    )
    assert outcome.status == Inbound.COMMENT
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
