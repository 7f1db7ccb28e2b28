"""People use cases: creating accounts, their API tokens, and the rules for passwords and addresses.

Plain functions with explicit arguments and one commit each; they raise dispatch.errors so that
the admin pages, the CLI and the API can each answer in their own way.
"""

from __future__ import annotations

import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from werkzeug.security import generate_password_hash

from dispatch.audit.record import CommandLine, Target, record_admin_event
from dispatch.collation import name_order
from dispatch.errors import Conflict, NotFound, ValidationError
from dispatch.extensions import db
from dispatch.people.models import ApiToken, Department, Role, User
from dispatch.sites.models import Site
from dispatch.types import utcnow

# The one place that owns the rules for passwords and addresses: the CLI, the admin pages and
# the password pages all call these, so they refuse the same things with the same words.
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # hashing a megabyte of "password" is a cheap way to burn our CPU
EMAIL_MAX = 254
NAME_MAX = 120


def normalise_email(email: str) -> str:
    """The address as stored: checked for shape (no DNS look-up) and lower-cased, because
    signing in lower-cases what people type."""
    text = (email or "").strip()
    if not text:
        raise ValidationError(_("Enter an e-mail address."), field="email")
    if len(text) > EMAIL_MAX:
        raise ValidationError(
            _("An e-mail address has at most %(n)d characters.", n=EMAIL_MAX), field="email"
        )
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("Not a valid e-mail address: %(e)s", e=str(exc)), field="email"
        ) from None
    return checked.normalized.lower()


def password_problem(password: str | None) -> str | None:
    """What is wrong with ``password`` under the rules, in words for the user; None if fine."""
    if len(password or "") < PASSWORD_MIN:
        return _("The password needs at least %(n)d characters.", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return _("The password may have at most %(n)d characters.", n=PASSWORD_MAX)
    if not password.strip():
        return _("The password cannot be only spaces.")
    return None


def check_password_rules(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationError(problem, field="password")


def user_snapshot(user: User) -> dict:
    """An account as the record of administration keeps it (never its password)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": bool(user.active),
        "department": user.department.name if user.department else None,
        "site": user.site.name if user.site else None,
        "phone": user.phone or "",
        "skills": sorted(s.name for s in user.skills),
        "groups": sorted(g.name for g in user.groups),
        "sees_department": bool(user.sees_department),
    }


def change_password(user: User, password: str) -> None:
    """Give ``user`` a new password and commit, but only if nobody changed it since ``user``
    was read (compare and swap on the hash), so that one password link used twice at once
    works once. The new hash changes ``User.password_stamp``: every session begun before and
    every password link sent before stop working. The change is on the record of
    administration, made by the user themselves."""
    check_password_rules(password)
    old = user.password_hash
    new = generate_password_hash(password)
    unchanged = User.password_hash.is_(None) if old is None else User.password_hash == old
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, unchanged)
        .values(password_hash=new)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("The password was changed meanwhile."), field="password")
    record_admin_event(user, "password_changed", user)
    db.session.commit()
    db.session.refresh(user)


def create_user(
    email: str,
    role: str,
    password: str,
    *,
    name: str | None = None,
    department: str | None = None,
    site: str | None = None,
    actor: User | CommandLine | None = None,
    locale: str | None = None,
) -> User:
    """Create an account. ``department`` and ``site`` are names: a missing department is
    created (it is only a name), a site must exist already (it has an address and hours).
    ``actor`` (e.g. the command line) is who the record of administration names; ``locale`` is
    the person's language (None: their browser's)."""
    email = normalise_email(email)
    role = (role or "").strip().lower()
    if role not in set(Role):
        raise ValidationError(
            _("Unknown role %(r)s. Choose one of: %(roles)s.", r=repr(role), roles=", ".join(Role)),
            field="role",
        )
    check_password_rules(password)
    name = (name or "").strip() or email.split("@", 1)[0]
    if len(name) > NAME_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=NAME_MAX), field="name")
    user = User(email=email, name=name, role=role, locale=clean_locale(locale))
    user.set_password(password)
    if site:
        user.site = db.session.scalar(db.select(Site).filter_by(name=site.strip()))
        if user.site is None:
            known = db.session.scalars(db.select(Site.name).order_by(name_order(Site.name))).all()
            raise ValidationError(
                _(
                    "Unknown site %(s)s. Known sites: %(known)s.",
                    s=repr(site),
                    known=", ".join(known) or _("none yet"),
                ),
                field="site",
            )
    new_department = False
    if department and department.strip():
        dept_name = department.strip()[:120]
        user.department = db.session.scalar(db.select(Department).filter_by(name=dept_name))
        if user.department is None:
            user.department, new_department = Department(name=dept_name), True
    db.session.add(user)
    try:
        db.session.flush()
        if user.department is not None and new_department:
            record_admin_event(actor, "created", user.department, None, {"name": dept_name})
        record_admin_event(actor, "created", user, None, user_snapshot(user))
        db.session.commit()
    except IntegrityError:
        # Insert and catch rather than check first: two admins may create the same account.
        db.session.rollback()
        raise ValidationError(
            _("A user with the e-mail %(e)s already exists.", e=email), field="email"
        ) from None
    return user


def get_user_by_email(email: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=(email or "").strip().lower()))
    if user is None:
        raise NotFound(_("No user with the e-mail %(e)s.", e=email), field="email")
    return user


def create_token(user: User, actor: User | CommandLine | None = None) -> str:
    """A new API token for ``user``. The token itself is returned once and never stored: the
    database keeps only its SHA-256, so a leaked database does not leak working tokens."""
    if not user.active:
        raise ValidationError(_("%(e)s is deactivated.", e=user.email), field="email")
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=ApiToken.hash(token), created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record_admin_event(
        actor, "created", Target("api_token", row.id, user.email), None, {"user": user.email}
    )
    db.session.commit()
    return token


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate ``user`` in the caller's transaction. Nothing from before comes
    back with a reactivation: sessions and password links end (User.set_active) and, on
    deactivation, API tokens are revoked (they are checked against ``active`` only)."""
    if user.active and not active:
        revoke_tokens(user, commit=False)
    user.set_active(active)


def revoke_tokens(
    user: User, *, commit: bool = True, actor: User | CommandLine | None = None
) -> int:
    """Revoke every token of ``user``; returns how many were still live. ``commit=False``: as
    part of the caller's transaction (whose own event records the deactivation); with a
    commit, the revocation is recorded as ``actor``'s."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        .values(revoked=True)
    )
    if commit:
        revoked = result.rowcount or 0
        record_admin_event(
            actor, "changed", user, {"live_api_tokens": revoked}, {"live_api_tokens": 0}
        )
        db.session.commit()
    return result.rowcount or 0


def token_user(token: str) -> ApiToken | None:
    """The live token row (with its active user, loaded by the same query) for a presented
    bearer token, or None."""
    return db.session.scalar(
        db.select(ApiToken)
        .join(ApiToken.user)
        .options(contains_eager(ApiToken.user))
        .where(
            ApiToken.token_hash == ApiToken.hash(token),
            ApiToken.revoked.is_(False),
            User.active.is_(True),
        )
    )


def touch_token(api_token: ApiToken, *, every_seconds: int = 60) -> None:
    """Note that the token was used, writing at most once a minute per token so that a busy
    integration does not turn every read into a write."""
    now = utcnow()
    last = api_token.last_used_at
    if last is not None and (now - last).total_seconds() < every_seconds:
        return
    db.session.execute(update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
    db.session.commit()


def clean_locale(value: str | None) -> str | None:
    """One of the installation's LANGUAGES, or None (empty: follow the browser's language)."""
    value = (value or "").strip()
    if not value:
        return None
    languages = current_app.config["LANGUAGES"]
    if value not in languages:
        raise ValidationError(
            _(
                "Unknown language %(l)s. Choose one of: %(languages)s.",
                l=repr(value[:20]),
                languages=", ".join(languages),
            ),
            field="locale",
        )
    return value


def set_locale(user: User, locale: str | None) -> None:
    """The language ``user`` chose for the pages and their mail (None: their browser's)."""
    user.locale = clean_locale(locale)
    db.session.commit()


def language_of(user: User | None) -> str:
    """The language to write to ``user`` in when no browser asks (mail, their calendar feed):
    the one they chose, else the company's DEFAULT_LOCALE."""
    config = current_app.config
    chosen = user.locale if user is not None else None
    return chosen if chosen in config["LANGUAGES"] else config["DEFAULT_LOCALE"]
