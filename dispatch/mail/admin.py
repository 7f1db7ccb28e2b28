"""Admin use cases of the mail channel: templates, the outbox, held messages."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from dispatch.audit.record import Target, record_admin_event
from dispatch.errors import NotFound, ValidationError
from dispatch.extensions import db
from dispatch.mail import texts
from dispatch.mail.compose import check_template, without_password_links
from dispatch.mail.models import MailTemplate, Outbound, OutboxMessage
from dispatch.people.models import User
from dispatch.types import utcnow


def shown_body(row: OutboxMessage) -> str:
    """The body of a message as the outbox shows it to admins: password links have their
    token hidden, so that reading the outbox is not a way into someone's account (an admin
    who must can set a password on the user's page, where it is on the record). Once sent,
    the stored body no longer holds them at all."""
    return without_password_links(row.body or "")


def _template(key: str, language: str) -> MailTemplate | None:
    """The admin's version of message ``key`` in ``language`` (NotFound for an unknown message
    or a language the installation does not offer)."""
    if key not in texts.DEFAULTS or language not in current_app.config["LANGUAGES"]:
        raise NotFound(_("No such message."))
    return db.session.scalar(select(MailTemplate).filter_by(key=key, language=language))


def template_text(key: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, customised) of template ``key`` in ``language``: the admin's version, or
    the built-in text translated into that language."""
    row = _template(key, language)
    if row:
        return row.subject, row.body, True
    with force_locale(language):
        return (*texts.default_text(key), False)


def save_template(key: str, language: str, subject: str, body: str, admin: User) -> None:
    row = _template(key, language)
    subject, body = (subject or "").strip(), (body or "").replace("\r\n", "\n")
    errors: dict[str, list[str]] = {}
    if not subject or len(subject) > 300:
        errors["subject"] = [_("Between 1 and 300 characters.")]
    if not body.strip() or len(body) > 20_000:
        errors["body"] = [_("Between 1 and 20000 characters.")]
    problem = "" if errors else check_template(subject, body)
    if problem:
        errors["body"] = [_("The template does not work: %(e)s", e=problem)]
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, errors=errors)
    old_subject, old_body, _customised = template_text(key, language)
    if row is None:
        row = MailTemplate(key=key, language=language, subject=subject, body=body)
        db.session.add(row)
    row.subject, row.body, row.updated_by_id, row.updated_at = subject, body, admin.id, utcnow()
    db.session.flush()
    record_admin_event(
        admin,
        "changed",
        Target("mail_template", row.id, f"{key} ({language})"),
        {"subject": old_subject, "body": old_body},
        {"subject": subject, "body": body},
    )
    db.session.commit()


def reset_template(key: str, language: str, admin: User) -> None:
    """Go back to the built-in text of template ``key`` in ``language``; the record keeps the
    text it had."""
    row = _template(key, language)
    if row is not None:
        with force_locale(language):
            default_subject, default_body = texts.default_text(key)
        record_admin_event(
            admin,
            "reset",
            Target("mail_template", row.id, f"{key} ({language})"),
            {"subject": row.subject, "body": row.body},
            {"subject": default_subject, "body": default_body},
        )
        db.session.delete(row)
        db.session.commit()


def requeue(outbox_id: int) -> None:
    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFound(_("No such message."))
    if row.status == Outbound.FAILED:
        row.status, row.attempts, row.next_attempt_at = Outbound.PENDING, 0, utcnow()
        db.session.info["mail_kick"] = True
        db.session.commit()


def requeue_failed() -> int:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == Outbound.FAILED)
        .values(status=Outbound.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount
