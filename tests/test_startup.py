"""What the app insists on when it starts outside the tests: a SECRET_KEY shared by every
process, and cookies sent over HTTPS only unless the embedded profile (`make run`) says not."""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch import create_app
from dispatch.config import MissingSecretKey

ROOT = Path(__file__).resolve().parent.parent
NOT_SECURE = "Cookies are not Secure"


@pytest.fixture
def outside_tests(monkeypatch, tmp_path):
    """Settings as a deployment has them: not testing, not debugging, a database of its own.
    instance/config.py may hold a key (`make install` writes one); the settings given win."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    return {
        "TESTING": False,
        "DEBUG": False,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "start.sqlite"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "RATELIMIT_ENABLED": False,  # the limiter is shared: leave it as the other tests want it
        "MAIL_OPEN_INTAKE": True,  # its refusal is tested in tests/mail/test_intake_settings.py
    }


def test_no_secret_key_refuses_to_start(outside_tests):
    with pytest.raises(MissingSecretKey) as refused:
        create_app({**outside_tests, "SECRET_KEY": None})
    message = refused.value.format_message()
    assert "SECRET_KEY is not set" in message and "FLASK_SECRET_KEY" in message


@pytest.mark.parametrize("mode", ["DEBUG", "TESTING"])
def test_debug_and_tests_make_up_a_key(outside_tests, mode):
    app = create_app({**outside_tests, "SECRET_KEY": None, mode: True})
    assert len(app.config["SECRET_KEY"]) == 64


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        # empty counts as missing, whatever instance/config.py says
        ({"FLASK_SECRET_KEY": ""}, "SECRET_KEY is not set"),
        (
            {
                "FLASK_SECRET_KEY": "k",
                "FLASK_MAIL_ALLOWED_DOMAINS": "[]",
                "FLASK_MAIL_OPEN_INTAKE": "false",
            },
            "MAIL_ALLOWED_DOMAINS is empty",  # see tests/mail/test_intake_settings.py
        ),
    ],
)
def test_the_flask_command_says_why_in_one_message(outside_tests, settings, refusal):
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": outside_tests["SQLALCHEMY_DATABASE_URI"],
        **settings,
    }
    env.pop("FLASK_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert refusal in done.stderr
    assert "Traceback" not in done.stderr


def test_cookies_are_secure_by_default(client, make_user, password):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": password, "remember": "y"}
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "Secure" in cookies["session"]
    assert "Secure" in cookies["remember_token"]


def test_a_deployment_logs_nothing_about_cookies(outside_tests, caplog):
    with caplog.at_level(logging.WARNING):
        create_app({**outside_tests, "SECRET_KEY": "k"})
    assert NOT_SECURE not in caplog.text


def test_make_run_sends_cookies_without_secure_and_says_so(outside_tests, monkeypatch, caplog):
    dry_run = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    settings = [w for w in shlex.split(dry_run.stdout) if w.startswith("FLASK_") and "=" in w]
    assert settings, dry_run.stdout
    for setting in settings:
        monkeypatch.setenv(*setting.split("=", 1))
    with caplog.at_level(logging.WARNING):
        app = create_app({**outside_tests, "SECRET_KEY": "k"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert caplog.text.count(NOT_SECURE) == 1


def test_the_instance_folder_can_be_named(outside_tests, monkeypatch, tmp_path):
    """DISPATCH_INSTANCE_PATH: instance/config.py is read from there, and the folder's defaults
    (the attachment folder) are under it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "config.py").write_text("SECRET_KEY = 'from-the-named-folder'\n")
    monkeypatch.setenv("DISPATCH_INSTANCE_PATH", str(folder))
    settings = {k: v for k, v in outside_tests.items() if k != "ATTACHMENT_DIR"}
    app = create_app(settings)
    assert app.instance_path == str(folder)
    assert app.config["SECRET_KEY"] == "from-the-named-folder"
    assert app.config["ATTACHMENT_DIR"] == str(folder / "attachments")


def test_a_relative_instance_folder_is_refused(outside_tests, monkeypatch):
    monkeypatch.setenv("DISPATCH_INSTANCE_PATH", "var/dispatch")
    with pytest.raises(ValueError, match="absolute"):
        create_app(outside_tests)
