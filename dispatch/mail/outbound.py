"""Mail out: a transactional outbox filled from the official record, and a sender.

1. ``before_flush``: every new public TicketEvent that the requester should hear about adds an
   OutboxMessage row *in the same transaction* — a change that rolls back sends nothing, a
   change that commits cannot lose its message. Nothing is rendered or sent there, so a broken
   template or a dead mail server cannot touch the ticket change.
2. ``after_commit``: the sender is woken: a send job on RQ when ``RQ_REDIS_URL`` is set
   (:mod:`dispatch.mail.send_jobs`), else a thread of this process (the embedded set-up);
   ``inline`` sends at once (tests), ``manual`` leaves it to ``flask mail send`` from cron.
3. The sender claims each due row, renders it (admin templates, sandboxed), sends it by SMTP or
   keeps it in the local outbox when no server is configured, and on failure retries with
   backoff; the row holds the state, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, joinedload

from dispatch.extensions import db
from dispatch.mail import send_jobs
from dispatch.mail.compose import PASSWORD, WELCOME, render, without_password_links
from dispatch.mail.models import Inbound, Outbound, OutboxMessage
from dispatch.mail.smtp import Transport
from dispatch.people.models import User
from dispatch.tickets.models import Status, Ticket, TicketEvent
from dispatch.types import utcnow

log = logging.getLogger("dispatch.mail")
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
CLAIM_FOR = timedelta(minutes=10)  # a claim older than this belongs to a sender that died
# Rows claimed in one statement: one commit for them all, not one each (under load the claims
# were a third of a message's cost); few enough that a sender that dies strands few for long.
CLAIM_BATCH = 50


# --- 1. the outbox fills itself from the record ---------------------------------------------------


def kind_for(ev: TicketEvent) -> str | None:
    """Which message (if any) an event of the official record sends to the requester."""
    if ev.internal:
        return None
    data = ev.data or {}
    if ev.type == "created":
        return "ack"
    if ev.type in ("assigned", "claimed") and data.get("assignee"):
        return "assigned"
    if ev.type == "status" and data.get("new") == Status.RESOLVED:
        return "resolved"
    if ev.type == "visit" and data.get("status") == "scheduled" and data.get("start"):
        return "scheduled"
    if ev.type == "visit" and data.get("status") == "en_route":
        return "on_the_way"
    if ev.type == "comment" and ev.actor is not None and ev.actor.is_staff:
        ticket = ev.ticket
        if ticket is not None and ev.actor is not ticket.requester:
            return "comment"
    return None


def _visit_context(ev: TicketEvent, kind: str) -> dict:
    """What a visit message says: the arrival window around the planned start (the plan's
    times are predictions, so the requester gets a window, PLANNING_ARRIVAL_WINDOW_MIN wide),
    or who is on the way."""
    data = ev.data or {}
    if kind == "on_the_way":
        return {"technician": ev.actor.name if ev.actor is not None else ""}
    half = timedelta(minutes=current_app.config.get("PLANNING_ARRIVAL_WINDOW_MIN", 60) / 2)
    start = datetime.fromisoformat(data["start"])
    return {
        "start": (start - half).isoformat(),
        "end": (start + half).isoformat(),
        "technician": str(data.get("technician", "")),
    }


@event.listens_for(Session, "before_flush")
def _queue_from_record(session, flush_context, instances):
    mail_row = session.info.get("mail_row")
    quiet = session.info.get("mail_quiet", False)
    messages = []
    for obj in list(session.new):
        if isinstance(obj, TicketEvent):
            kind = kind_for(obj)
            if kind and not quiet:
                messages.append((obj, kind))
        elif (
            mail_row is not None
            and isinstance(obj, Ticket)
            and mail_row.ticket is None
            and mail_row.status == Inbound.TICKET
        ):
            mail_row.ticket = obj  # the mail that opened this ticket, in the same commit
    # Publishing a plan assigns the technician and schedules the visit at once: one message
    # (the visit, which names the technician) rather than two in the same minute.
    scheduled = {id(ev.ticket) for ev, kind in messages if kind == "scheduled"}
    for ev, kind in messages:
        if kind == "assigned" and id(ev.ticket) in scheduled:
            continue
        context = _visit_context(ev, kind) if kind in ("scheduled", "on_the_way") else {}
        session.add(
            OutboxMessage(
                kind=kind,
                ticket=ev.ticket,
                event=ev,
                context=context,
                created_at=utcnow(),
                next_attempt_at=utcnow(),
            )
        )
        session.info["mail_kick"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("mail_kick", False) and has_app_context():
        kick(current_app._get_current_object())


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    session.info.pop("mail_kick", None)


def queue_message(
    kind: str, ticket: Ticket | None, *, recipient: str = "", **context
) -> OutboxMessage:
    """Add one message to the outbox in the caller's transaction (the caller commits)."""
    row = OutboxMessage(
        kind=kind,
        ticket=ticket,
        recipient=recipient,
        context=context,
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    db.session.add(row)
    db.session.info["mail_kick"] = True
    return row


def queue_password_link(user: User, *, purpose: str, **_kwargs) -> OutboxMessage:
    """Receiver of :data:`dispatch.auth.passwords.reset_requested`: the mail carrying the link
    (rendered when sent, so that it carries the password's stamp of that moment)."""
    return queue_message(PASSWORD, None, recipient=user.email, user_id=user.id, purpose=purpose)


def queue_welcomes(users: list[User], **_kwargs) -> None:
    """Receiver of :data:`dispatch.people.csv_import.people_imported`: a welcome mail with a
    set-password link to each new account, at most PEOPLE_IMPORT_MAILS_PER_HOUR an hour. Those
    past the cap wait in the outbox, due in the hours after; the welcome mails still waiting or
    sent in the last hour count first, so that imports one after another share the cap."""
    cap = max(1, int(current_app.config["PEOPLE_IMPORT_MAILS_PER_HOUR"]))
    now = utcnow()
    ahead = db.session.scalar(
        select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == WELCOME,
            (OutboxMessage.status.in_((Outbound.PENDING, Outbound.SENDING)))
            | (OutboxMessage.sent_at >= now - timedelta(hours=1)),
        )
    )
    for n, user in enumerate(users, start=ahead):
        row = queue_message(WELCOME, None, recipient=user.email, user_id=user.id)
        row.next_attempt_at = now + timedelta(hours=n // cap)


def queue_rejection(address: str, reason: str, *, in_reply_to: str = "") -> None:
    """The answer to a refused message. It never repeats the message's subject: the From
    address may be anyone's, and an answer carrying a stranger's text to it would make us a
    relay of their spam (backscatter). In-Reply-To threads it under the refused message."""
    queue_message("rejected", None, recipient=address, reason=reason, in_reply_to=in_reply_to)


# --- 2. waking the sender -------------------------------------------------------------------------


def delivery_mode(app: Flask) -> str:
    """rq (the default with RQ_REDIS_URL), thread (without), inline (send at commit, for
    tests), manual (cron runs ``flask mail send``)."""
    if app.config.get("MAIL_DELIVERY"):
        return app.config["MAIL_DELIVERY"]
    if app.testing:
        return "manual"
    return "rq" if app.config.get("RQ_REDIS_URL") else "thread"


def kick(app: Flask) -> None:
    mode = delivery_mode(app)
    try:
        if mode == "inline":
            deliver_pending()
        elif mode == "rq":
            send_jobs.enqueue(app)
        elif mode == "thread":
            _worker(app).wake.set()
    except Exception:  # sending must never disturb the change that was just committed
        log.exception("mail sender could not be started; the message waits in the outbox")


class _Worker(threading.Thread):
    def __init__(self, app: Flask):
        super().__init__(name="dispatch-mail-sender", daemon=True)
        self.app = app
        self.wake = threading.Event()
        self.stopping = False

    def run(self) -> None:
        while not self.stopping:
            self.wake.wait(timeout=self.app.config["MAIL_POLL_SECONDS"])
            self.wake.clear()
            if self.stopping:
                break
            try:
                with self.app.app_context():
                    deliver_pending()
            except Exception:
                log.exception("mail sender failed; retrying later")


_workers: dict[int, _Worker] = {}
_workers_lock = threading.Lock()


def has_worker(app: Flask) -> bool:
    """Whether a sender thread is kept for ``app``."""
    with _workers_lock:
        return id(app) in _workers


def stop_workers(timeout: float = 5) -> None:
    """Stop the sender threads (tests; a process that exits simply drops them)."""
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stopping = True
        worker.wake.set()
        worker.join(timeout)


def _worker(app: Flask) -> _Worker:
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or not worker.is_alive():
            worker = _workers[id(app)] = _Worker(app)
            worker.start()
        return worker


# --- 3. the sender --------------------------------------------------------------------------------


def deliver_pending(limit: int = 500) -> int:
    """Render and send every due outbox row (in its own session); the number handled."""
    handled = 0
    transport = Transport(current_app.config)
    try:
        with Session(db.engine, expire_on_commit=False) as s:
            now = utcnow()
            s.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.status == Outbound.SENDING, OutboxMessage.next_attempt_at < now
                )
                .values(status=Outbound.PENDING)
            )
            s.commit()
            ids = s.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.status == Outbound.PENDING, OutboxMessage.next_attempt_at <= now
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
            for start in range(0, len(ids), CLAIM_BATCH):
                mine = claim(s, ids[start : start + CLAIM_BATCH])  # others: another sender's
                rows = s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(mine))
                    .options(_rendered_with())
                    .order_by(OutboxMessage.id)
                ).all()  # read whole: each message below commits
                for row in rows:
                    _deliver_one(s, row, transport)
                    handled += 1
    finally:
        transport.close()
    return handled


def next_due() -> datetime | None:
    """When the earliest row still in the outbox is due: a retry after a failure, or a claim
    that a sender which died left (None: nothing waits)."""
    return db.session.scalar(
        select(db.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((Outbound.PENDING, Outbound.SENDING))
        )
    )


def _rendered_with():
    """What rendering a message reads of its ticket, loaded with the rows: one statement a
    batch, not one for each of them a message. (Made when used: the mappers are complete.)"""
    return joinedload(OutboxMessage.ticket).options(
        joinedload(Ticket.requester),
        joinedload(Ticket.site),
        joinedload(Ticket.assignee),
        joinedload(Ticket.group),
    )


def claim(s: Session, ids: list[int]) -> list[int]:
    """Take the due rows of ``ids`` for this sender (commits); those another sender was first
    to are left out.

    One conditional UPDATE, so of several senders (threads, ``flask mail send`` on several
    machines) exactly one gets each row: PostgreSQL makes the second wait on the rows' locks
    and re-reads them, finding them taken; SQLite lets one writer at a time. The rows must
    still be due: a sender whose list of ids is older than another sender's failed attempt
    leaves the retry to its time."""
    if not ids:
        return []
    now = utcnow()
    claimed = s.scalars(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == Outbound.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status=Outbound.SENDING, next_attempt_at=now + CLAIM_FOR)
        .returning(OutboxMessage.id)
    ).all()
    s.commit()
    return sorted(claimed)


def _deliver_one(s: Session, row: OutboxMessage, transport: Transport) -> None:
    try:
        if not row.message_id:
            render(s, row)
    except Exception as exc:
        log.exception("mail %s could not be rendered", row.id)
        row.status, row.last_error = Outbound.FAILED, f"render: {exc}"[:500]
        s.commit()
        return
    if row.status == Outbound.SUPPRESSED:
        s.commit()
        return
    if transport.remote:
        s.commit()  # what is about to go out is on record before the network is touched
    try:
        where = transport.send(row)
        row.status = Outbound.SENT if where == "sent" else Outbound.LOCAL
        row.sent_at, row.last_error = utcnow(), ""
        if row.status == Outbound.SENT:
            # Delivered: the outbox's copy need not open anyone's account any more. (Without
            # a mail server the local outbox is the only copy: it keeps the link.)
            row.body = without_password_links(row.body)
    except Exception as exc:
        transport.reset()
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if row.attempts >= current_app.config["MAIL_SEND_ATTEMPTS"]:
            row.status = Outbound.FAILED
        else:
            delay = BACKOFF_SECONDS[min(row.attempts - 1, len(BACKOFF_SECONDS) - 1)]
            row.status, row.next_attempt_at = Outbound.PENDING, utcnow() + timedelta(seconds=delay)
        log.warning("mail %s not sent (%s); attempt %d", row.id, row.last_error, row.attempts)
    s.commit()
