"""What a queued message says: who gets it (or why it is suppressed), its text from the admin's
templates (sandboxed), its threading headers, and the links it carries (ticket, reopen,
password).
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale, format_date, format_decimal, format_percent, format_time
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch.auth import passwords
from dispatch.extensions import db
from dispatch.mail import texts
from dispatch.mail.message_ids import loop_token, make_message_id, sender_address, ticket_anchor
from dispatch.mail.models import Inbound, MailMessage, MailTemplate, Outbound, OutboxMessage
from dispatch.mail.parse import ADDRESS
from dispatch.people.models import User
from dispatch.people.services import language_of
from dispatch.tickets.models import Comment, Status, Ticket
from dispatch.types import utcnow

log = logging.getLogger("dispatch.mail")
AUTO_REPLIES = ("ack", "rejected")  # answers to incoming mail: rate-limited per address
PASSWORD = "password"  # a password link (dispatch.auth.passwords), addressed to an account
WELCOME = "welcome"  # a new account's first mail, with a link to set its password
ACCOUNT_MAIL = (PASSWORD, WELCOME)  # addressed to an account, not about a ticket
#: Service-level warnings: about a ticket, to a member of staff (``user_id``), not the requester.
STAFF_KINDS = ("sla_warning", "sla_breach")
REPORT_SUMMARY = "report_summary"  # the monthly summary, to an address admins chose
_sandbox = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)


def _suppress(row: OutboxMessage, why: str) -> None:
    row.status, row.last_error = Outbound.SUPPRESSED, why


def render(s: Session, row: OutboxMessage) -> None:
    """Fill the row's recipient, subject, body, message id and headers, or mark it suppressed
    (with the reason) when it must not go out."""
    ticket = row.ticket
    if ticket is not None and row.kind in STAFF_KINDS:
        user = s.get(User, row.context.get("user_id") or 0)
        if user is None or not user.active or not user.is_staff:
            return _suppress(row, "no longer an active member of staff")
        row.recipient = user.email
    elif ticket is not None:
        requester = ticket.requester
        if not requester.active:
            return _suppress(row, "requester deactivated")
        row.recipient = requester.email
    elif row.kind in ACCOUNT_MAIL:
        user = s.get(User, row.context.get("user_id") or 0)
        if user is None or not user.active:
            return _suppress(row, "account deactivated or gone")
        if user.email != row.recipient:
            return _suppress(row, "the account's address changed since")
    if not ADDRESS.match(row.recipient or ""):
        return _suppress(row, "no usable address")
    if row.recipient.lower() == sender_address():
        return _suppress(row, "addressed to ourselves")
    # The caps hold back answers to mail (what a forged sender could turn on someone else); a
    # request made on the signed-in web form or the API is acknowledged to its own author.
    if row.kind in AUTO_REPLIES and (ticket is None or ticket.channel == "email"):
        why = _auto_reply_limit(s, row)
        if why:
            return _suppress(row, why)
    if row.kind == "resolved" and ticket is not None and ticket.status != Status.RESOLVED:
        return _suppress(row, "no longer resolved")
    # Everything the message says (the built-in text, the dates) in the recipient's language.
    language = recipient_language(s, row, ticket)
    with force_locale(language):
        ctx = _context(s, row, ticket)
        if ctx is None:
            return None
        row.subject, row.body = render_text(s, row.kind, ctx, language)
    row.message_id = make_message_id(ticket.id if ticket else None, f"o{row.id}")
    refs: list[str] = []
    if ticket is not None:
        # Only a ticket that a mail opened has a first message to thread under.
        first = ticket.channel == "email" and s.scalar(
            select(MailMessage.message_id)
            .where(
                MailMessage.ticket_id == ticket.id,
                MailMessage.status == Inbound.TICKET,
                MailMessage.message_id != "",
            )
            .order_by(MailMessage.id)
            .limit(1)
        )
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


def recipient_language(s: Session, row: OutboxMessage, ticket: Ticket | None) -> str:
    """The language the recipient chose, else the company's DEFAULT_LOCALE (also for an
    address with no account, such as a refused sender's)."""
    if row.kind in STAFF_KINDS or row.kind in ACCOUNT_MAIL:
        person = s.get(User, row.context.get("user_id") or 0)
    elif ticket is not None:
        person = ticket.requester
    else:
        person = s.scalar(select(User).filter_by(email=(row.recipient or "").lower()))
    return language_of(person)


def _auto_reply_limit(s: Session, row: OutboxMessage) -> str:
    """Why this automatic answer must not go out ('' if it may): too many to its address, or
    too many to everyone together in the last hour. Counted on the outbox in the database,
    which every web worker, mail command and machine shares: a flood of forged senders cannot
    make us a mail cannon, however many processes answer it."""
    cfg = current_app.config
    if _recent_auto_replies(s, row, row.recipient) >= cfg["MAIL_ACK_PER_HOUR"]:
        return "rate limit: too many automatic answers to this address"
    if _recent_auto_replies(s, row) >= cfg["MAIL_AUTO_REPLY_LIMIT"]:
        log.warning(
            "automatic answers: MAIL_AUTO_REPLY_LIMIT (%s per hour) reached; not answering %s",
            cfg["MAIL_AUTO_REPLY_LIMIT"],
            row.recipient,
        )
        return "rate limit: MAIL_AUTO_REPLY_LIMIT automatic answers this hour"
    return ""


def _recent_auto_replies(s: Session, row: OutboxMessage, recipient: str | None = None) -> int:
    """Automatic answers rendered for sending in the last hour (to ``recipient`` if given)."""
    since = utcnow() - timedelta(hours=1)
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind.in_(AUTO_REPLIES),
        OutboxMessage.message_id != "",
        OutboxMessage.id != row.id,
        OutboxMessage.created_at >= since,
    )
    if recipient is not None:
        query = query.where(OutboxMessage.recipient == recipient)
    return s.scalar(query) or 0


def _context(s: Session, row: OutboxMessage, ticket: Ticket | None) -> dict | None:
    ctx = {key: "" for key in texts.VARIABLES}
    ctx.update(
        marker=str(texts.MARKER),
        subject=str(row.context.get("subject", "")),
        reason=str(row.context.get("reason", "")),
    )
    if row.kind == WELCOME:
        user = s.get(User, row.context["user_id"])
        return _password_context(ctx, user, "welcome", key="set_password_link")
    if row.kind == PASSWORD:
        return _password_context(
            ctx, s.get(User, row.context["user_id"]), str(row.context.get("purpose", "reset"))
        )
    if row.kind == REPORT_SUMMARY:
        return _summary_context(ctx, row.context)
    if ticket is None:
        return ctx
    ctx.update(
        number=ticket.number,
        subject=ticket.subject,
        link=ticket_link(ticket),
        requester=ticket.requester.name,
        status=ticket.status,
        assignee=(
            ticket.assignee.name if ticket.assignee else ticket.group.name if ticket.group else ""
        ),
        site=ticket.site.name if ticket.site else "",
    )
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
                ctx["window_date"] = format_date(local, "full", rebase=False)
            clock = format_time(local, "HH:mm", rebase=False)
            ctx["window_" + key if key != "eta" else "eta"] = clock
    ctx["technician"] = str(row.context.get("technician", ""))
    if row.kind in STAFF_KINDS:
        first = row.context.get("target") == "first_response"
        ctx["target"] = _("first response") if first else _("resolution")
        due = datetime.fromisoformat(row.context["due"]).astimezone(zone)
        ctx["due"] = (
            format_date(due, "full", rebase=False) + " " + format_time(due, "HH:mm", rebase=False)
        )
    return ctx


def _summary_context(ctx: dict, values: dict) -> dict:
    """The monthly summary's numbers, written in the reader's language."""
    first = date.fromisoformat(values["first_day"])

    def share(key: str) -> str:
        value = values.get(key)
        return "–" if value is None else format_percent(value, "#,##0.#%")

    ctx.update(
        month=format_date(first, "LLLL yyyy"),
        created=format_decimal(values.get("created", 0)),
        finished=format_decimal(values.get("finished", 0)),
        first_response_met=share("first_response_met"),
        resolution_met=share("resolution_met"),
        breaches=format_decimal(values.get("breaches", 0)),
        link=_external(
            "reports.index",
            "/reports/",
            start=values["first_day"],
            end=values["last_day"],
        ),
    )
    return ctx


#: A password link in a message: its token is the key to the account.
_PASSWORD_LINK = re.compile(r"(/password/reset/)[^\s<>\"']+")


def without_password_links(text: str) -> str:
    """``text`` with the token of every password link (reset or set) hidden."""
    return _PASSWORD_LINK.sub(lambda m: m.group(1) + _("[hidden]"), text)


def _password_context(ctx: dict, user: User, purpose: str, key: str = "reset_link") -> dict:
    """A signed password link for ``user``, made at rendering time (so that it carries the
    password's current stamp), with how long it works."""
    token = passwords.make_token(user, purpose)
    ctx.update(
        requester=user.name,
        valid_for=passwords.valid_for(purpose),
        **{key: _external("auth.reset_password", f"/password/reset/{token}", token=token)},
    )
    return ctx


def render_text(s: Session | None, key: str, ctx: dict, language: str) -> tuple[str, str]:
    """(subject, body) from the admin's template in ``language``; else from their template in
    the company's DEFAULT_LOCALE (logged: an admin may want to write the missing one); else
    the built-in text, in the current language. A template that fails to render is skipped
    the same way, so a message is never empty. Call it under ``force_locale(language)``."""
    default = current_app.config["DEFAULT_LOCALE"]
    session = s or db.session
    # The admins' templates are read once per session (a sender's batch, a request): a batch of
    # acknowledgements would otherwise read the same rows for each message.
    known = session.info.setdefault("mail_templates", {})
    if (key, language, default) not in known:
        known[key, language, default] = {
            row.language: (row.subject, row.body)
            for row in session.scalars(
                select(MailTemplate).where(
                    MailTemplate.key == key, MailTemplate.language.in_({language, default})
                )
            )
        }
    custom = known[key, language, default]
    sources = []
    if language in custom:
        sources.append(custom[language])
    elif default in custom:
        log.info("mail template %s has no %s version; using the %s one", key, language, default)
        sources.append(custom[default])
    sources.append(texts.default_text(key))
    for subject_src, body_src in sources:
        try:
            subject = _compiled(str(subject_src)).render(ctx)
            body = _compiled(str(body_src)).render(ctx)
            return " ".join(subject.split())[:250], body
        except Exception:
            log.exception("mail template %s failed; using the default", key)
    raise RuntimeError(f"no usable template for {key}")


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A template's source compiled once per process: compiling cost more than rendering, and
    there are only a few sources (each kind's built-in text and the admins' templates, by
    language). A changed template is another source, compiled anew."""
    return _sandbox.from_string(source)


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
    scheme = app.config.get("PREFERRED_URL_SCHEME", "http")
    base = app.config.get("MAIL_BASE_URL") or (
        f"{scheme}://{app.config.get('SERVER_NAME') or 'localhost'}"
    )
    with app.test_request_context(base_url=base):
        try:
            return url_for(endpoint, _external=True, **values)
        except Exception:
            return base.rstrip("/") + fallback
