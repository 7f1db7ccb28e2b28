"""Mail out: a transactional outbox filled from the official record, and a sender.

1. ``before_flush``: every new public TicketEvent that the requester should hear about adds an
   OutboxMessage row *in the same transaction* — a change that rolls back sends nothing, a
   change that commits cannot lose its message. Nothing is rendered or sent there, so a broken
   template or a dead mail server cannot touch the ticket change.
2. ``after_commit``: the sender is woken (a thread in the embedded set-up; ``inline`` for tests;
   ``manual`` leaves it to ``flask mail send`` from cron or RQ).
3. The sender claims each due row, renders it (admin templates, sandboxed), sends it by SMTP or
   keeps it in the local outbox when no server is configured, and on failure retries with
   backoff; the row holds the state, so a crash loses nothing.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.mail import texts
from dispatch.mail.models import Inbound, MailMessage, MailTemplate, Outbound, OutboxMessage
from dispatch.mail.parse import ADDRESS
from dispatch.mail.smtp import Transport
from dispatch.mail.threading import loop_token, make_message_id, sender_address, ticket_anchor
from dispatch.people.models import User
from dispatch.tickets.models import Comment, Status, Ticket, TicketEvent
from dispatch.types import utcnow

log = logging.getLogger("dispatch.mail")
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
CLAIM_FOR = timedelta(minutes=10)  # a claim older than this belongs to a sender that died
AUTO_REPLIES = ("ack", "rejected")  # answers to incoming mail: rate-limited per address
PASSWORD = "password"  # a password link (dispatch.auth.passwords), addressed to an account
_sandbox = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


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
    return {"start": (start - half).isoformat(), "end": (start + half).isoformat(),
            "technician": str(data.get("technician", ""))}


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
        elif (mail_row is not None and isinstance(obj, Ticket) and mail_row.ticket is None
              and mail_row.status == Inbound.TICKET):
            mail_row.ticket = obj  # the mail that opened this ticket, in the same commit
    # Publishing a plan assigns the technician and schedules the visit at once: one message
    # (the visit, which names the technician) rather than two in the same minute.
    scheduled = {id(ev.ticket) for ev, kind in messages if kind == "scheduled"}
    for ev, kind in messages:
        if kind == "assigned" and id(ev.ticket) in scheduled:
            continue
        context = _visit_context(ev, kind) if kind in ("scheduled", "on_the_way") else {}
        session.add(OutboxMessage(kind=kind, ticket=ev.ticket, event=ev, context=context,
                                  created_at=utcnow(), next_attempt_at=utcnow()))
        session.info["mail_kick"] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("mail_kick", False) and has_app_context():
        kick(current_app._get_current_object())


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    session.info.pop("mail_kick", None)


def queue_message(kind: str, ticket: Ticket | None, *, recipient: str = "",
                  **context) -> OutboxMessage:
    """Add one message to the outbox in the caller's transaction (the caller commits)."""
    row = OutboxMessage(kind=kind, ticket=ticket, recipient=recipient, context=context,
                        created_at=utcnow(), next_attempt_at=utcnow())
    db.session.add(row)
    db.session.info["mail_kick"] = True
    return row


def queue_rejection(address: str, subject: str, reason: str, *, in_reply_to: str = "") -> None:
    queue_message("rejected", None, recipient=address, subject=subject[:200], reason=reason,
                  in_reply_to=in_reply_to)


# --- 2. waking the sender -------------------------------------------------------------------------


def delivery_mode(app: Flask) -> str:
    """thread (default), inline (send at commit, for tests), manual (cron / RQ runs the send)."""
    return app.config.get("MAIL_DELIVERY") or ("manual" if app.testing else "thread")


def kick(app: Flask) -> None:
    mode = delivery_mode(app)
    try:
        if mode == "inline":
            deliver_pending()
        elif mode == "thread":
            _worker(app).wake.set()
    except Exception:  # sending must never disturb the change that was just committed
        log.exception("mail sender could not be started")


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
            s.execute(update(OutboxMessage).where(OutboxMessage.status == Outbound.SENDING,
                                                  OutboxMessage.next_attempt_at < now)
                      .values(status=Outbound.PENDING))
            s.commit()
            ids = s.scalars(select(OutboxMessage.id).where(
                OutboxMessage.status == Outbound.PENDING, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(limit)).all()
            for oid in ids:
                claimed = s.execute(update(OutboxMessage).where(
                    OutboxMessage.id == oid, OutboxMessage.status == Outbound.PENDING)
                    .values(status=Outbound.SENDING, next_attempt_at=utcnow() + CLAIM_FOR))
                s.commit()
                if claimed.rowcount != 1:
                    continue  # another sender has it
                _deliver_one(s, s.get(OutboxMessage, oid), transport)
                handled += 1
    finally:
        transport.close()
    return handled


def _deliver_one(s: Session, row: OutboxMessage, transport: Transport) -> None:
    try:
        if not row.message_id:
            _render(s, row)
    except Exception as exc:
        log.exception("mail %s could not be rendered", row.id)
        row.status, row.last_error = Outbound.FAILED, f"render: {exc}"[:500]
        s.commit()
        return
    if row.status == Outbound.SUPPRESSED:
        s.commit()
        return
    s.commit()  # what is about to go out is on record before the network is touched
    try:
        where = transport.send(row)
        row.status = Outbound.SENT if where == "sent" else Outbound.LOCAL
        row.sent_at, row.last_error = utcnow(), ""
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


def _suppress(row: OutboxMessage, why: str) -> None:
    row.status, row.last_error = Outbound.SUPPRESSED, why


def _render(s: Session, row: OutboxMessage) -> None:
    ticket = row.ticket
    if ticket is not None:
        requester = ticket.requester
        if not requester.active:
            return _suppress(row, "requester deactivated")
        row.recipient = requester.email
    elif row.kind == PASSWORD:
        user = s.get(User, row.context.get("user_id") or 0)
        if user is None or not user.active:
            return _suppress(row, "account deactivated or gone")
        if user.email != row.recipient:
            return _suppress(row, "the account's address changed since")
    if not ADDRESS.match(row.recipient or ""):
        return _suppress(row, "no usable address")
    if row.recipient.lower() == sender_address():
        return _suppress(row, "addressed to ourselves")
    if row.kind in AUTO_REPLIES and _recent_auto_replies(s, row) >= current_app.config["MAIL_ACK_PER_HOUR"]:
        return _suppress(row, "rate limit: too many automatic answers to this address")
    if row.kind == "resolved" and ticket is not None and ticket.status != Status.RESOLVED:
        return _suppress(row, "no longer resolved")
    ctx = _context(s, row, ticket)
    if ctx is None:
        return None
    row.subject, row.body = render_text(s, row.kind, ctx)
    row.message_id = make_message_id(ticket.id if ticket else None, f"o{row.id}")
    refs: list[str] = []
    if ticket is not None:
        first = s.scalar(select(MailMessage.message_id).where(
            MailMessage.ticket_id == ticket.id, MailMessage.status == Inbound.TICKET,
            MailMessage.message_id != "").order_by(MailMessage.id).limit(1))
        refs = ([first] if first else []) + [ticket_anchor(ticket.id)]
    elif row.context.get("in_reply_to"):
        refs = [row.context["in_reply_to"]]
    row.headers = {
        "Auto-Submitted": "auto-replied" if row.kind in AUTO_REPLIES else "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Dispatch-Loop": loop_token(),
        **({"In-Reply-To": refs[0], "References": " ".join(refs)} if refs else {}),
    }
    return None


def _recent_auto_replies(s: Session, row: OutboxMessage) -> int:
    since = utcnow() - timedelta(hours=1)
    return s.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == row.recipient, OutboxMessage.kind.in_(AUTO_REPLIES),
        OutboxMessage.message_id != "", OutboxMessage.id != row.id,
        OutboxMessage.created_at >= since)) or 0


def _context(s: Session, row: OutboxMessage, ticket: Ticket | None) -> dict | None:
    ctx = {key: "" for key in texts.VARIABLES}
    ctx.update(marker=texts.MARKER, subject=str(row.context.get("subject", "")),
               reason=str(row.context.get("reason", "")))
    if row.kind == PASSWORD:
        return _password_context(ctx, s.get(User, row.context["user_id"]),
                                 str(row.context.get("purpose", "reset")))
    if ticket is None:
        return ctx
    ctx.update(number=ticket.number, subject=ticket.subject, link=ticket_link(ticket),
               requester=ticket.requester.name, status=ticket.status,
               assignee=(ticket.assignee.name if ticket.assignee else
                         ticket.group.name if ticket.group else ""),
               site=ticket.site.name if ticket.site else "")
    if row.kind == "resolved":
        ctx["reopen_link"] = _external("mail.reopen", "/", token=reopen_token(ticket))
    if row.kind == "ack" and ticket.requester.password_hash is None:
        # Typically a requester just created from their mail: they cannot sign in yet.
        ctx.update(_password_context({}, ticket.requester, "welcome", key="set_password_link"))
    if row.kind == "comment" and row.event is not None:
        comment = s.get(Comment, (row.event.data or {}).get("comment") or 0)
        if comment is None or comment.internal:
            _suppress(row, "comment not public")
            return None
        ctx.update(comment=comment.body, author=comment.author.name if comment.author else "")
    zone = ZoneInfo(ticket.site.timezone) if ticket.site else ZoneInfo("UTC")
    for key in ("start", "end", "eta"):
        value = row.context.get(key)
        if value:
            local = datetime.fromisoformat(value).astimezone(zone)
            if key == "start":
                ctx["window_date"] = local.strftime("%A %d %B %Y")
            ctx["window_" + key if key != "eta" else "eta"] = local.strftime("%H:%M")
    ctx["technician"] = str(row.context.get("technician", ""))
    return ctx


def _password_context(ctx: dict, user: User, purpose: str, key: str = "reset_link") -> dict:
    """A signed password link for ``user``, made at rendering time (so that it carries the
    password's current stamp), with how long it works."""
    from dispatch.auth import passwords

    token = passwords.make_token(user, purpose)
    ctx.update(requester=user.name, valid_for=passwords.valid_for(purpose),
               **{key: _external("auth.reset_password", f"/password/reset/{token}", token=token)})
    return ctx


def render_text(s: Session | None, key: str, ctx: dict) -> tuple[str, str]:
    """(subject, body) from the admin's template, or the default if it is missing or broken."""
    custom = (s or db.session).scalar(select(MailTemplate).filter_by(key=key))
    sources = [(custom.subject, custom.body)] if custom else []
    sources.append(texts.default_text(key))
    for subject_src, body_src in sources:
        try:
            subject = _sandbox.from_string(subject_src).render(ctx)
            body = _sandbox.from_string(body_src).render(ctx)
            return " ".join(subject.split())[:250], body
        except Exception:
            log.exception("mail template %s failed; using the default", key)
    raise RuntimeError(f"no usable template for {key}")


def check_template(subject: str, body: str) -> str:
    """'' if the template compiles and renders in the sandbox, else the error to show."""
    sample = {key: f"<{key}>" for key in texts.VARIABLES}
    try:
        _sandbox.from_string(subject).render(sample)
        _sandbox.from_string(body).render(sample)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return ""


# --- links ----------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="dispatch.mail.reopen")


def reopen_token(ticket: Ticket) -> str:
    stamp = ticket.resolved_at.isoformat() if ticket.resolved_at else ""
    return _serializer().dumps([ticket.id, stamp])


def read_reopen_token(token: str) -> tuple[int, str] | None:
    """(ticket id, resolution time) from a link still valid, else None."""
    max_age = current_app.config["MAIL_REOPEN_DAYS"] * 86400
    try:
        ticket_id, stamp = _serializer().loads(token, max_age=max_age)
        return int(ticket_id), str(stamp)
    except (BadSignature, ValueError, TypeError):
        return None


def ticket_link(ticket: Ticket) -> str:
    return _external("tickets.detail", f"/tickets/{ticket.id}", id=ticket.id)


def _external(endpoint: str, fallback: str, **values) -> str:
    app = current_app._get_current_object()
    base = app.config.get("MAIL_BASE_URL") or (
        f"{app.config.get('PREFERRED_URL_SCHEME', 'http')}://{app.config.get('SERVER_NAME') or 'localhost'}")
    with app.test_request_context(base_url=base):
        try:
            return url_for(endpoint, _external=True, **values)
        except Exception:
            return base.rstrip("/") + fallback
