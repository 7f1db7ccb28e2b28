"""How sign-in attempts are counted, so that guessing is slow and nobody is locked out by others.

Two limits guard ``POST /login``:

- every attempt per client address (``LOGIN_ADDRESS_LIMIT``): generous, since a site's whole
  office may reach the app through one address;
- failed attempts per e-mail typed (``LOGIN_ACCOUNT_LIMIT``), from every address at once, and
  whether or not the account exists, so the refusal reveals nothing. Successful sign-ins do not
  count: colleagues signing in correctly never use up anyone's allowance.

The account's count is taken in one step with the check, before the password is even looked
at (:func:`count_attempt`, an atomic increment of the limiter's storage), and given back when
the password was right (:func:`give_back`). Counting after the answer instead would let a burst
of parallel guesses all pass the check before the first of them is counted.

A browser that has signed in to an account before carries a signed "known device" cookie for
it (given at sign-in, and to a signed-in browser that has none yet, such as one kept signed in
since before the cookie existed); its failed attempts count against that browser alone.
Someone guessing a colleague's password from elsewhere therefore locks out the guessers, not the
colleague at their own desk. A colleague locked out on a browser that never signed in before
unlocks the account with a password link (*Forgot your password?*, mailed to the account's
address only): setting a password through it clears the account's failures and makes that
browser a known one (:func:`forgive`).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app, g, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from dispatch.extensions import limiter
from dispatch.people.services import EMAIL_MAX

DEVICE_COOKIE = "known_device"
#: Where the user loader notes the signed-in user's address for this request (in ``g``).
SIGNED_IN_EMAIL = "signed_in_email"
_GIVEN = "known_device_given"  # the session's note that this browser has the cookie
_SALT = "dispatch.known-device"
_NAMESPACE = "sign-in-failures"  # the storage keys' scope, beside Flask-Limiter's own


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted in ``bucket`` against each of ``limits``."""

    bucket: str
    limits: tuple[RateLimitItem, ...]


def too_many_sign_ins() -> str:
    """The refusal, in the same words for an address, an account and an address with no
    account; it names the way out that does not wait."""
    return _(
        "Too many attempts to sign in. Please wait a few minutes and try again, or use "
        "“Forgot your password?”: setting a new password with the link we mail "
        "to the account unlocks it at once."
    )


def _normalized(email: str) -> str:
    # The e-mail as signing in compares it.
    return (email or "").strip().lower()[:EMAIL_MAX]


def account_key(email: str) -> str:
    """The bucket of failed attempts a sign-in as ``email`` counts against: the browser's own
    when it has signed in to this account before, the account's (every other client)
    otherwise."""
    device = _known_device(_normalized(email))
    return f"sign-in-device:{device}" if device else _account_bucket(email)


def _account_bucket(email: str) -> str:
    # Every client that has not signed in to the account before shares this one.
    return f"sign-in-account:{_normalized(email)}"


def count_attempt(email: str) -> Attempt | None:
    """Count a sign-in attempt as ``email`` before its password is checked, and refuse it
    (429, :func:`too_many_sign_ins`) when the bucket's allowance is used up. Checking and
    counting are one atomic increment of the limiter's storage (Redis's INCR, or the memory
    storage's lock), so parallel guesses cannot all slip in before one is counted. None when
    rate limits are off."""
    if not limiter.enabled:
        return None
    attempt = Attempt(account_key(email), _account_limits())
    counter = _counter()
    # Every limit is counted (as Flask-Limiter counts its own), even past a refusal.
    allowed = [counter.hit(item, *_ids(attempt.bucket)) for item in attempt.limits]
    if not all(allowed):
        reset = max(counter.get_window_stats(i, *_ids(attempt.bucket))[0] for i in attempt.limits)
        raise TooManyRequests(
            description=too_many_sign_ins(), retry_after=max(1, math.ceil(reset - time.time()))
        )
    return attempt


def give_back(attempt: Attempt | None) -> None:
    """The attempt signed in: it was no failure, so it no longer counts."""
    if attempt is None:
        return
    storage = _counter().storage
    for item in attempt.limits:
        key = item.key_for(*_ids(attempt.bucket))
        # A window that ended meanwhile starts again from nothing; it is not made negative.
        if storage.get(key) > 0:
            storage.incr(key, item.get_expiry(), amount=-1)


def forgive(response: Response, email: str) -> None:
    """After a password was set by a link mailed to ``email``'s owner: clear the account's
    failures (an attacker's guesses no longer keep its owner out) and mark this browser as
    known, so that its own failures count apart from now on."""
    if limiter.enabled:
        counter = _counter()
        for item in _account_limits():
            counter.clear(item, *_ids(_account_bucket(email)))
    remember_device(response, email)


def _account_limits() -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(current_app.config["LOGIN_ACCOUNT_LIMIT"]))


def _counter() -> FixedWindowRateLimiter:
    # A fixed window whatever strategy the app's other limits use: its count is a plain
    # counter, so an attempt can be given back by a decrement. On the storage the limiter uses
    # now: its in-memory fallback while Redis is unreachable (found by the sign-in page's own
    # address limit, checked before the view), so signing in never fails with a 500.
    return FixedWindowRateLimiter(limiter.limiter.storage)


def _ids(bucket: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return (prefix, _NAMESPACE, bucket) if prefix else (_NAMESPACE, bucket)


def remember_device(response: Response, email: str) -> None:
    """After a successful sign-in: mark this browser as one that knows ``email``'s password."""
    account = _digest(email.strip().lower())
    token = _serializer().dumps({"account": account, "device": secrets.token_urlsafe(16)})
    # The cookie only goes back to the sign-in page; the session remembers it was given.
    session[_GIVEN] = account
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=_max_age(),
        path=url_for("auth.login"),  # only the sign-in page needs it (under any URL prefix)
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def remember_signed_in_device(response: Response) -> Response:
    """After any request of a signed-in user whose browser has no known-device cookie for their
    account: give it one, so that others' failed guesses cannot lock this browser out either.
    Only where the request loaded the user anyway (pages do; static files and health checks
    do not), so that it costs no query: the address is the one noted when the user was loaded
    (the user object itself may have been expired by the request's commit)."""
    email = g.get(SIGNED_IN_EMAIL)
    if not email:
        return response
    if session.get(_GIVEN) != _digest(email.strip().lower()):
        remember_device(response, email)
    return response


def _known_device(email: str) -> str | None:
    token = request.cookies.get(DEVICE_COOKIE)
    if not token or not email:
        return None
    try:
        data = _serializer().loads(token, max_age=_max_age())
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("account") != _digest(email):
        return None
    return str(data.get("device") or "") or None


def _digest(email: str) -> str:
    # The cookie is signed, not encrypted: it names the account without showing the address.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _max_age() -> int:
    return int(current_app.config["LOGIN_DEVICE_DAYS"]) * 24 * 3600
