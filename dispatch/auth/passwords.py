"""Passwords: the "forgot your password?" mail, the signed link it carries, and changing one's own.

A link is an itsdangerous token over (user id, stamp, purpose), signed with SECRET_KEY. The stamp
is derived from the password hash and the address, so a link works once: setting the password
changes the hash and kills it, and so does any other password change or a change of address.
Requesters created from mail have no password; their acknowledgement carries a longer-lived
"set a password" link of the same kind (purpose ``welcome``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from blinker import Signal
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dispatch.errors import DispatchError, ValidationError
from dispatch.extensions import db
from dispatch.people import services as people
from dispatch.people.models import User
from dispatch.types import utcnow

RESET = "reset"  # asked for on the sign-in page: short-lived
WELCOME = "welcome"  # in the acknowledgement to a requester without a password: longer

#: Sent with the account (and ``purpose``) when someone asks for a password link, before the
#: commit: the mail package queues the message that carries it, in the same transaction.
reset_requested = Signal("a password link was asked for")


class BadLink(DispatchError):
    """A password link that cannot be used; the message says why and what to do."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="dispatch.auth.password")


def link_stamp(user: User) -> str:
    """What a link carries of the account: changes whenever the password or address does."""
    return hashlib.sha256(f"{user.password_stamp}\0{user.email}".encode()).hexdigest()[:16]


def max_age(purpose: str) -> timedelta:
    cfg = current_app.config
    if purpose == WELCOME:
        return timedelta(days=cfg["PASSWORD_SET_LINK_DAYS"])
    return timedelta(minutes=cfg["PASSWORD_RESET_LINK_MINUTES"])


def valid_for(purpose: str) -> str:
    """How long a link works, in words ("1 hour", "7 days"): exact, never rounded up."""
    minutes = int(max_age(purpose).total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return ngettext("%(num)d day", "%(num)d days", minutes // 1440)
    if minutes and minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def make_token(user: User, purpose: str = RESET) -> str:
    return _serializer().dumps([user.id, link_stamp(user), purpose])


def user_for_token(token: str) -> tuple[User, str]:
    """(user, purpose) of a link that may still be used; BadLink otherwise."""
    try:
        (user_id, stamp, purpose), signed_at = _serializer().loads(token, return_timestamp=True)
        user_id, stamp = int(user_id), str(stamp)
        if purpose not in (RESET, WELCOME):
            raise ValueError(purpose)
    except (BadSignature, ValueError, TypeError):
        raise BadLink(
            _(
                "This link is not valid. Check that you opened the whole link from the "
                "mail, or ask for a new one."
            )
        ) from None
    if utcnow() - signed_at > max_age(purpose):
        raise BadLink(_("This link has expired. Ask for a new one below."))
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.auth_source != "local":
        raise BadLink(_("This link is not valid any more."))
    if not hmac.compare_digest(stamp.encode(), link_stamp(user).encode()):
        raise BadLink(
            _(
                "This link has already been used, or the password was changed since it "
                "was sent. Ask for a new one if you need it."
            )
        )
    return user, purpose


def request_reset(email: str) -> None:
    """Queue a password link for the active account at ``email``, and silently do nothing for
    any other address: the answer must not tell whether an account exists (the view also
    evens out the time it takes). The mail (queued by the receivers of :data:`reset_requested`)
    goes out after the commit, like every message."""
    address = (email or "").strip().lower()
    user = db.session.scalar(db.select(User).filter_by(email=address)) if address else None
    # A person who signs in with the company directory or single sign-on has no password here:
    # a link would set one that is never asked for. They change it where it lives.
    if user is None or not user.active or user.auth_source != "local":
        return
    reset_requested.send(user, purpose=RESET)
    db.session.commit()


def reset_password(token: str, password: str) -> User:
    """Set the password of a link's account; the link is spent by doing so."""
    user, _purpose = user_for_token(token)
    try:
        people.change_password(user, password)
    except ValidationError:
        raise
    except DispatchError:  # the same link used twice at once: the other one won
        raise BadLink(
            _(
                "This link has already been used, or the password was changed since it "
                "was sent. Ask for a new one if you need it."
            )
        ) from None
    return user


def change_own_password(user: User, current: str, new: str) -> None:
    """A signed-in user's change: the current password first (a session left open is not
    enough to lock its owner out)."""
    if not user.check_password(current or ""):
        raise ValidationError(_("That is not your current password."), field="current_password")
    people.change_password(user, new)
