"""Request ids and JSON logs: every response carries its request's id, every JSON log line of the
request carries it too, and a hostile incoming id is replaced."""

from __future__ import annotations

import io
import json
import logging
import shlex
import subprocess
from pathlib import Path

import pytest

from dispatch import create_app
from dispatch.extensions import db
from dispatch.logs import SANE_ID, JsonFormatter, JsonHandler, masked, secret_paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def json_app(database_url, tmp_path):
    """An app logging JSON (as in production) into a buffer: ``(app, buffer)``."""
    app = create_app(
        {
            "TESTING": True,
            "LOG_FORMAT": "json",
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_DIR": str(tmp_path),
        }
    )
    buffer = io.StringIO()
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, JsonHandler)]
    handler.setStream(buffer)
    yield app, buffer
    with app.app_context():
        db.engine.dispose()


def lines(buffer: io.StringIO) -> list[dict]:
    """Every line written, each parsed as one JSON object."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/login").headers["X-Request-ID"]
    assert SANE_ID.fullmatch(first) and SANE_ID.fullmatch(second)
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "7f3a-edge.1:b=="})
    assert response.headers["X-Request-ID"] == "7f3a-edge.1:b=="


@pytest.mark.parametrize(
    "hostile",
    ['abc\n{"level": "INFO", "message": "forged"}', "x" * 500, "a b", "ünïcode"],
)
def test_a_hostile_request_id_is_replaced(client, hostile):
    # Straight into the WSGI environ: the test client refuses to send a newline in a header.
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": hostile})
    given = response.headers["X-Request-ID"]
    assert given != hostile
    assert SANE_ID.fullmatch(given) and len(given) == 32


def test_a_request_logs_one_json_line_with_its_id(json_app):
    app, buffer = json_app
    response = app.test_client().get("/login", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 200
    [line] = [entry for entry in lines(buffer) if entry["logger"] == "dispatch.request"]
    assert line["request_id"] == "req-42"
    assert line["method"] == "GET" and line["path"] == "/login" and line["status"] == 200
    assert line["level"] == "INFO" and line["message"] == "GET /login 200"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")
    assert "user_id" not in line  # nobody signed in


def test_an_error_is_logged_with_its_request_id_and_exception(json_app):
    app, buffer = json_app

    @app.get("/explode")
    def explode():
        raise RuntimeError("the flux capacitor\nbroke")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    written = buffer.getvalue().splitlines()
    entries = lines(buffer)
    [error] = [e for e in entries if e["level"] == "ERROR"]
    assert error["request_id"] == request_id and error["path"] == "/explode"
    assert "RuntimeError: the flux capacitor\nbroke" in error["exception"]
    assert "Traceback" in error["exception"]
    # The multi-line traceback stayed on one line, and every line of the request has its id.
    assert len(written) == len(entries)
    assert {e["request_id"] for e in entries} == {request_id}


def test_the_signed_in_user_is_logged(json_app, make_user, password):
    app, buffer = json_app
    user = make_user("employee")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": password})
    buffer.truncate(0)
    buffer.seek(0)
    assert client.get("/tickets/mine").status_code == 200
    [line] = [e for e in lines(buffer) if e["logger"] == "dispatch.request"]
    assert line["user_id"] == user.id


def test_secret_tokens_in_urls_are_not_logged(json_app):
    app, buffer = json_app
    app.test_client().get("/password/reset/s3cret-reset-token")
    text = buffer.getvalue()
    assert "s3cret-reset-token" not in text
    assert '"path": "/password/reset/***"' in text


def test_log_format_follows_the_profile(database_url):
    def log_format(**config):
        settings = {
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_OPEN_INTAKE": True,
            **config,
        }
        return create_app(settings).config["LOG_FORMAT"]

    assert log_format() == "json"  # gunicorn, RQ workers, commands run by cron
    assert log_format(TESTING=True) == "text"
    assert log_format(DEBUG=True) == "text"
    assert log_format(LOG_FORMAT="TEXT") == "text"  # make run's setting
    assert log_format(TESTING=True, LOG_FORMAT="json") == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        log_format(LOG_FORMAT="xml")


def test_make_run_logs_text(database_url, monkeypatch):
    dry_run = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    settings = [w for w in shlex.split(dry_run.stdout) if w.startswith("FLASK_LOG_FORMAT=")]
    assert settings == ["FLASK_LOG_FORMAT=text"], dry_run.stdout
    monkeypatch.setenv(*settings[0].split("=", 1))
    app = create_app(
        {"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OPEN_INTAKE": True}
    )
    assert app.config["LOG_FORMAT"] == "text"
    assert not any(isinstance(h, JsonHandler) for h in logging.getLogger().handlers)


def test_the_formatter_writes_records_outside_requests():
    record = logging.LogRecord("dispatch.mail", logging.WARNING, __file__, 1, "%s ă", ("x",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "x ă" and entry["logger"] == "dispatch.mail"
    assert "request_id" not in entry
    assert JsonFormatter().format(record).isascii()  # no log shipper splits a record


SECRET = "s3cretTOKENvalue"


@pytest.mark.parametrize(
    ("method", "path", "logged"),
    [
        ("GET", f"/password/reset/{SECRET}", "/password/reset/***"),
        ("GET", f"/mail/reopen/{SECRET}", "/mail/reopen/***"),
        ("GET", f"/my-day/calendar/{SECRET}.ics", "/my-day/calendar/***"),
        # Matching no route (404) or no method (405): the token is there all the same.
        ("GET", f"/password/reset/{SECRET}/more", "/password/reset/***"),
        ("GET", f"/my-day/calendar/{SECRET}.ical", "/my-day/calendar/***"),
        ("GET", f"/mail/reopen/{SECRET}/", "/mail/reopen/***"),
        ("PUT", f"/mail/reopen/{SECRET}", "/mail/reopen/***"),
        ("DELETE", f"/my-day/calendar/{SECRET}.ics", "/my-day/calendar/***"),
        # A link mangled on its way: slashes doubled (redirected), the case changed (404).
        ("GET", f"/password//reset/{SECRET}", "/password/reset/***"),
        ("GET", f"/Password/Reset/{SECRET}", "/Password/Reset/***"),
    ],
)
def test_no_secret_link_is_logged_whatever_the_answer(json_app, method, path, logged):
    app, buffer = json_app
    response = app.test_client().open(path, method=method)
    assert response.status_code in (200, 308, 400, 404, 405)
    entries = lines(buffer)
    assert SECRET not in buffer.getvalue()
    [line] = [e for e in entries if e["logger"] == "dispatch.request"]
    assert line["path"] == logged


def test_the_error_log_of_a_secret_link_masks_it(json_app, monkeypatch):
    app, buffer = json_app

    def explode(token):
        raise RuntimeError("the link broke")

    monkeypatch.setitem(app.view_functions, "mail.reopen", explode)
    assert app.test_client().get(f"/mail/reopen/{SECRET}").status_code == 500
    assert SECRET not in buffer.getvalue()
    error = next(e for e in lines(buffer) if e["level"] == "ERROR")
    assert error["message"] == "unhandled error on /mail/reopen/***"


def test_other_paths_are_logged_as_they_are(json_app):
    app, buffer = json_app
    app.test_client().get("/password/forgot")
    app.test_client().get("/my-day/calendar")  # the start of a secret route, with no secret
    paths = [e["path"] for e in lines(buffer) if e["logger"] == "dispatch.request"]
    assert paths == ["/password/forgot", "/my-day/calendar"]


def test_secret_paths_come_from_the_routes():
    patterns = secret_paths(["/a/<int:id>/feed/<token>.ics", "/open/<string:token>", "/b/<id>"])
    assert masked("/a/7/feed/xyz.ics", patterns) == "/a/7/feed/***"
    assert masked("/open/xyz/and/more", patterns) == "/open/***"
    assert masked("/b/xyz", patterns) == "/b/xyz"
