"""/healthz and /readyz: outside rate limits (a load balancer polls them from one address), and
never cached by others (/readyz's answer is kept a moment by the process itself, see
:class:`checks.Readiness`)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from dispatch.extensions import limiter

from .checks import OK, Readiness

bp = Blueprint("health", __name__)
limiter.exempt(bp)

NO_STORE = {"Cache-Control": "no-store"}
_READINESS = "dispatch.health.readiness"  # the app's Readiness, in app.extensions


@bp.get("/healthz")
def healthz():
    # The process answers: no database, no session, nothing else (the load benchmark's bare
    # reference endpoint, so it must cost only the framework).
    return Response("ok\n", mimetype="text/plain", headers=NO_STORE)


@bp.get("/readyz")
def readyz():
    kept = current_app.extensions.setdefault(_READINESS, Readiness())
    checks = kept.get(current_app.config)
    ready = all(result == OK for result in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return jsonify(body), 200 if ready else 503, NO_STORE
