"""Signing in with the company account (OpenID Connect single sign-on)."""

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import login_user

from dispatch.auth import throttle
from dispatch.auth.services import safe_next
from dispatch.auth.views import bp
from dispatch.directory import oidc_signin as sso
from dispatch.directory.oidc_client import SsoRefused
from dispatch.extensions import limiter

_NEXT = "sso_next"  # where to go once signed in, kept in the session meanwhile


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


@bp.get("/login/sso")
@limiter.limit(_address_limit, error_message=throttle.too_many_sign_ins)
def sso_start():
    if not sso.enabled():
        abort(404)
    session[_NEXT] = safe_next(request.args.get("next")) or ""
    try:
        return sso.start(url_for("auth.sso_callback", _external=True))
    except SsoRefused as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.login"))


@bp.get("/login/sso/callback")
@limiter.limit(_address_limit, error_message=throttle.too_many_sign_ins)
def sso_callback():
    if not sso.enabled():
        abort(404)
    try:
        user = sso.sign_in()
    except SsoRefused as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.login"))
    target = safe_next(session.get(_NEXT)) or url_for("tickets.home")
    session.clear()  # nothing of the visit before (state, CSRF token) carries over
    login_user(user)
    return redirect(target)
