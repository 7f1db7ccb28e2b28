"""Domain errors raised by services, and how the web and the API answer them."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dispatch.extensions import db, login_manager
from dispatch.logs import loggable_path

#: Seconds a client is asked to wait when the database does not answer (a restart, a failover).
DATABASE_RETRY_AFTER = 5


class DispatchError(Exception):
    """Base of the errors services raise; views turn them into messages or 4xx answers."""

    status = 400
    #: Extra members of the API's JSON answer (e.g. a limit in bytes).
    details: dict | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DispatchError):
    """Bad input: ``field`` names what is wrong, ``errors`` may hold several."""

    def __init__(self, message: str, field: str | None = None, errors: dict | None = None):
        super().__init__(message, field)
        self.errors = errors or ({field: [message]} if field else {})


class NotFound(DispatchError):
    status = 404


class Forbidden(DispatchError):
    """The user sees the record but may not do this to it (someone else's is a NotFound)."""

    status = 403


class Conflict(DispatchError):
    """Someone else changed the record since it was read."""

    status = 409


class TransitionError(DispatchError):
    """The workflow does not allow this status change."""

    status = 409


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str, field: str | None = None, **extra):
    body = {"error": message, "field": field or None, "status": status}
    body.update(extra)
    return jsonify(body), status


def megabytes(size: int) -> str:
    """A size in bytes as megabytes for a message: "20", "0.25"."""
    return format_decimal(round(size / (1024 * 1024), 2))


def _size_refused() -> tuple[int, str]:
    """The limit a request refused as too large went over, and a message naming it."""
    limit, length = request.max_content_length, request.content_length
    if limit is not None and (length is None or length > limit):
        return limit, _("The request is larger than the limit of %(mb)s MB.", mb=megabytes(limit))
    # Within the request's limit: one text field over MAX_FORM_MEMORY_SIZE, or too many parts.
    limit = request.max_form_memory_size or 0
    return limit, _(
        "A text field is larger than the limit of %(mb)s MB, or the form has too many parts.",
        mb=megabytes(limit),
    )


def page_message(err: HTTPException) -> str:
    """What an error page says, in the reader's language. Werkzeug's own descriptions, and
    Flask-WTF's CSRF ones and Flask-Limiter's ("10 per 1 minute"), are English: they are
    replaced. A description the app wrote itself (translated, as the sign-in throttle's) is kept."""
    if isinstance(err, CSRFError):
        return _("The page expired: reload it and try again.")
    # A limit's own message is the app's (translated); without one, Flask-Limiter says the limit.
    bare_limit = isinstance(err, RateLimitExceeded) and not err.limit.error_message
    if err.description != type(err).description and not bare_limit:
        return err.description or ""
    messages = {
        400: _("The request could not be understood. Go back, reload the page and try again."),
        403: _("You are not allowed to do this."),
        404: _("There is no such page, or it is not yours to see. Check the address."),
        405: _("This address does not take that kind of request."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    return messages.get(err.code or 0, "")


def init_app(app: Flask) -> None:
    @app.errorhandler(DispatchError)
    def _domain_error(err: DispatchError):
        if wants_json():
            extra = {"errors": err.errors} if isinstance(err, ValidationError) else {}
            extra.update(err.details or {})
            return _json_error(err.status, err.message, err.field, **extra)
        return render_template("error.html", code=err.status, message=err.message), err.status

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(err: RequestEntityTooLarge):
        limit, message = _size_refused()
        if wants_json():
            return _json_error(413, message, limit_bytes=limit)
        return render_template("error.html", code=413, message=message), 413

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if wants_json():
            response, code = _json_error(err.code or 500, err.description or err.name)
            # Keep the headers the error carries (Allow on 405, Location on a redirect).
            response.headers.extend(
                (k, v) for k, v in err.get_headers() if k.lower() != "content-type"
            )
            return response, code
        return render_template("error.html", code=err.code, message=page_message(err)), err.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(err: Exception):
        # The database went away (restarted, unreachable): the next request reconnects (the
        # pool tests its connections), so say "try again", not "something broke". The page is
        # drawn for nobody in particular: the signed-in user's row cannot be read now, and the
        # layout would try.
        app.logger.exception("database unavailable on %s", loggable_path())
        try:
            db.session.rollback()
        except Exception:  # the connection is dead already; the pool replaces it
            app.logger.warning("rollback after a database failure failed", exc_info=True)
        g._login_user = login_manager.anonymous_user()  # Flask-Login's per-request user
        message = _("The database is not answering. Please try again in a moment.")
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
        if wants_json():
            response, code = _json_error(503, message)
            return response, code, headers
        return render_template("error.html", code=503, message=message), 503, headers

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        # Log the traceback for us; the user gets a plain page, never the traceback.
        app.logger.exception("unhandled error on %s", loggable_path())
        db.session.rollback()
        if wants_json():
            return _json_error(500, "internal error")
        return render_template("error.html", code=500, message=None), 500
