"""Logs: a request id for every request, and one JSON object per line in production.

Every request gets an id (the proxy's ``X-Request-ID`` when it is a sane token, a new one
otherwise), returned in the ``X-Request-ID`` response header. With ``LOG_FORMAT = "json"`` every
log line of the process is one JSON object, the lines written while serving a request carry its
id, method, path and user, and each request ends with one line of its own (status and duration):
the access log, so the line a user reports and the error behind it share an id. The path of a
secret link (a route with a ``token`` argument) is logged with everything from the token on
masked, whether or not the request matched the route.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import inspect

HEADER = "X-Request-ID"
# What a proxy's id looks like (nginx's $request_id, a UUID, a trace id): anything else — a
# newline forging a log line, a megabyte of text — is replaced rather than logged.
SANE_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
# Route arguments that are secrets (password, reopen and calendar links): never written to logs.
SECRET_URL_ARGS = ("token",)
_SECRET_ARG = re.compile(r"<(?:[^<>:]+:)?(" + "|".join(SECRET_URL_ARGS) + r")>")
_ANY_ARG = re.compile(r"<[^<>]+>")
_SECRET_PATHS = "dispatch.logs.secret_paths"  # the app's patterns, in app.extensions
# Attributes a record may carry (from RequestFilter or the request line), in output order.
FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")

request_log = logging.getLogger("dispatch.request")


def incoming_id(value: str | None) -> str:
    """The caller's request id if it is a sane token, else a new one."""
    if value and SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def secret_paths(rules: Iterable[str]) -> list[re.Pattern[str]]:
    """For each route with a secret argument, a pattern of its path up to that argument
    (``/password/reset/<token>`` gives ``/password/reset/``): whatever follows is the secret."""
    patterns = []
    for rule in rules:
        found = _SECRET_ARG.search(rule)
        if found:
            parts = _ANY_ARG.split(rule[: found.start()])
            patterns.append(re.compile("[^/]*".join(map(re.escape, parts)), re.IGNORECASE))
    return patterns


def masked(path: str, patterns: Iterable[re.Pattern[str]]) -> str:
    """``path`` with everything after a secret route's start replaced by ``***``. Matched on the
    path as a route would see it (repeated slashes merged, case ignored), and whether or not the
    rest matches a route: a mistyped or truncated link is a 404, or a 405, and still holds its
    token."""
    plain = re.sub(r"/{2,}", "/", path)
    for pattern in patterns:
        found = pattern.match(plain)
        if found:
            return plain[: found.end()] + "***"
    return path


def loggable_path() -> str:
    """The request's path with its secret parts masked (see :func:`masked`)."""
    patterns = current_app.extensions.get(_SECRET_PATHS)
    if patterns is None:  # every route is registered by the first request
        patterns = secret_paths(rule.rule for rule in current_app.url_map.iter_rules())
        current_app.extensions[_SECRET_PATHS] = patterns
    return masked(request.path, patterns)


def signed_in_user_id() -> int | None:
    """The id of the user this request has already authenticated (API token or session), if
    any. Never loads one: a log line must not query the database (nor refresh an expired user),
    so only what the request holds is read (the API's user, Flask-Login's per-request cache),
    and the id comes from the instance's identity, not from its attributes."""
    user = g.get("api_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)
    return state.identity[0] if state is not None and state.identity else None


class RequestFilter(logging.Filter):
    """Adds the current request's id, method, path and user to every record (as attributes the
    formatters read); records written outside a request pass unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.method = request.method
            record.path = loggable_path()
            record.user_id = signed_in_user_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines in messages and tracebacks are escaped,
    and non-ASCII text too, so no log shipper can split a record)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class JsonHandler(logging.StreamHandler):
    """The process's JSON log handler, on the root logger (one per process: a new app replaces
    the previous app's)."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream or sys.stderr)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestFilter())


def use_json_logs(app: Flask) -> None:
    """Send every logger's records through one JSON handler on the root logger: the app's own
    (whose Flask text handler goes) and the libraries' warnings alike."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, JsonHandler)]:
        root.removeHandler(handler)
    root.addHandler(JsonHandler())
    app.logger.handlers.clear()
    app.logger.setLevel(app.config["LOG_LEVEL"])


def init_app(app: Flask) -> None:
    """Give every request an id, and log as ``LOG_FORMAT`` says. Called before the extensions are
    initialised, so that the id exists even for a request the rate limiter refuses."""
    json_logs = app.config["LOG_FORMAT"] == "json"
    if json_logs:
        use_json_logs(app)

    @app.before_request
    def _start_request() -> None:
        g.request_id = incoming_id(request.headers.get(HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response: Response) -> Response:
        # A request refused before _start_request ran still answers with an id.
        response.headers[HEADER] = g.setdefault("request_id", incoming_id(None))
        if json_logs:
            started = g.get("request_started", time.perf_counter())
            request_log.info(
                "%s %s %s",
                request.method,
                loggable_path(),
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
