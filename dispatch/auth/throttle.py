"""How sign-in attempts are counted, so that guessing is slow and nobody is locked out by others.

Two limits guard ``POST /login``:

- every attempt per client address (``LOGIN_ADDRESS_LIMIT``): generous, since a site's whole
  office may reach the app through one address;
- failed attempts per e-mail typed (``LOGIN_ACCOUNT_LIMIT``), from every address at once, and
  whether or not the account exists, so the refusal reveals nothing. Successful sign-ins do not
  count: colleagues signing in correctly never use up anyone's allowance.

A browser that has signed in to an account before carries a signed "known device" cookie for
it (given at sign-in, and to a signed-in browser that has none yet, such as one kept signed in
since before the cookie existed); its failed attempts count against that browser alone.
Someone guessing a colleague's password from elsewhere therefore locks out the guessers, not the
colleague at their own desk.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, g, request, session, url_for
from flask.wrappers import Response
from itsdangerous import BadData, URLSafeTimedSerializer

from dispatch.people.services import EMAIL_MAX

DEVICE_COOKIE = "known_device"
#: Where the user loader notes the signed-in user's address for this request (in ``g``).
SIGNED_IN_EMAIL = "signed_in_email"
_GIVEN = "known_device_given"  # the session's note that this browser has the cookie
_SALT = "dispatch.known-device"


def _typed_email() -> str:
    # The e-mail of the sign-in form, as signing in compares it.
    return (request.form.get("email") or "").strip().lower()[:EMAIL_MAX]


def account_key() -> str:
    """The bucket of failed attempts this request counts against: the browser's own when it
    has signed in to this account before, the account's (every other client) otherwise."""
    email = _typed_email()
    device = _known_device(email)
    return f"sign-in-device:{device}" if device else f"sign-in-account:{email}"


def failed(response: Response) -> bool:
    """Whether a ``POST /login`` failed: a sign-in redirects, a failure shows the form again
    (200); a request refused by a limit (429) or for its CSRF token (400) is not an attempt."""
    return response.status_code == 200


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
