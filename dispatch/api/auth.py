"""Bearer-token authentication for the JSON API.

Only ``Authorization: Bearer <token>`` authenticates an API call. The browser session is never
consulted (``current_user`` is not used anywhere under /api/), which is also why the blueprint
can be exempt from CSRF: a forged cross-site request carries cookies, never this header.
"""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from dispatch.people import services as people
from dispatch.people.models import User

REALM = 'Bearer realm="dispatch"'
MAX_TOKEN_LENGTH = 200


def _unauthorized(message: str, invalid: bool):
    response = jsonify({"error": message, "field": None, "status": 401})
    response.status_code = 401
    header = REALM + (', error="invalid_token"' if invalid else "")
    response.headers["WWW-Authenticate"] = header
    return response


def bearer_token() -> str | None:
    """The token the request presents, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate():
    """Blueprint hook: set ``g.api_user`` or answer 401."""
    # `g` lives as long as the app context; reset it so nothing carries over between requests.
    g.api_user = None
    token = bearer_token()
    if token is None:
        return _unauthorized(
            _("Authentication required: send Authorization: Bearer <token>."), invalid=False
        )
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return _unauthorized(_("Invalid or revoked token."), invalid=True)
    api_token = people.token_user(token)
    if api_token is None:
        return _unauthorized(_("Invalid or revoked token."), invalid=True)
    people.touch_token(api_token)
    g.api_user = api_token.user
    return None


def api_user() -> User:
    user = g.get("api_user")
    if user is None:  # pragma: no cover - the before_request hook guarantees it
        raise RuntimeError("API view reached without an authenticated token")
    return user
