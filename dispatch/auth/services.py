"""Signing in, and the role checks views share."""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.auth.throttle import SIGNED_IN_EMAIL
from dispatch.directory import signin as directory
from dispatch.extensions import db, login_manager
from dispatch.people.models import User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of a session or remember cookie, which hold "<id>:<password stamp>"
    (``User.get_id``): once the password changes, every session begun before ends."""
    uid, _sep, stamp = (user_id or "").partition(":")
    if not (uid.isascii() and uid.isdigit()) or not stamp:
        return None  # a session from before stamps existed: sign in again, once
    user = db.session.get(User, int(uid))
    if user is None or not hmac.compare_digest(user.password_stamp.encode(), stamp.encode()):
        return None
    if user.active:
        setattr(g, SIGNED_IN_EMAIL, user.email)
    return user


def keep_signed_in(user: User) -> None:
    """After someone changed their own password: the user's session goes on under the new stamp
    (keeping "keep me signed in" if it was on); every other session of theirs has ended."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remember)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same answer for both faults).

    A local account checks its own password (the break-glass admin signs in even when the
    directory is down); anyone else is asked of the directory when one is configured, which
    creates their account on their first sign-in. A local account is never taken over by the
    directory: when its address is a directory person's, the refusal is logged with the way
    to convert it (``dispatch.directory.signin``). Raises
    :class:`~dispatch.directory.client.DirectoryUnavailable` when the directory is asked and
    cannot be reached (a local account's right password never asks it)."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is not None and user.auth_source == "local":
        if user.active and user.password_hash:
            if user.check_password(password):
                return user
        else:
            # Hash anyway, so that the answer takes as long for a deactivated account or one
            # without a password as for a wrong password.
            check_password_hash(_dummy_hash(), password)
        if directory.enabled():
            directory.sign_in(email, password)  # refused: it only logs a directory match
        return None
    if directory.enabled():
        return directory.sign_in(email, password)
    check_password_hash(_dummy_hash(), password)  # as long as for a wrong password
    return None


def sign_out(user: User) -> None:
    """End this browser's session and every other one of the account (a copied session or
    remember-me cookie included): the account's session stamp changes. Commits."""
    user.end_sessions()
    db.session.commit()
    session.clear()  # nothing of the signed-in visit (CSRF token, flashes) is left behind
    logout_user()  # after the clear: it marks the remember-me cookie for deletion


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site; None for anything that could leave it.

    Browsers read ``//evil``, ``/\\evil`` and ``\\\\evil`` as other hosts, so only a single
    leading slash followed by something else counts as local.
    """
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def roles_required(*roles: str):
    """Let only these roles in; everyone else gets 404 so that pages do not reveal themselves."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def client_ip() -> str:
    return request.remote_addr or "unknown"
