"""A deployment refuses to start with its mail intake open to the whole internet unless that
is said (MAIL_OPEN_INTAKE); debug and the tests stay open, as they make up a SECRET_KEY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch import create_app
from dispatch.mail.settings import OpenMailIntake

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def deployment(monkeypatch, tmp_path):
    """Settings as a deployment has them (see tests/test_startup.py), intake not yet decided."""
    for name in ("FLASK_DEBUG", "FLASK_MAIL_OPEN_INTAKE", "FLASK_MAIL_ALLOWED_DOMAINS"):
        monkeypatch.delenv(name, raising=False)
    return {
        "TESTING": False,
        "DEBUG": False,
        "SECRET_KEY": "k",
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "start.sqlite"),
        "ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "RATELIMIT_ENABLED": False,
        "MAIL_ALLOWED_DOMAINS": [],
        "MAIL_OPEN_INTAKE": False,
    }


def test_open_intake_unsaid_refuses_to_start_naming_the_settings(deployment):
    with pytest.raises(OpenMailIntake) as refused:
        create_app(deployment)
    message = refused.value.format_message()
    assert "MAIL_ALLOWED_DOMAINS" in message and "MAIL_OPEN_INTAKE" in message


@pytest.mark.parametrize(
    "settings",
    [
        {"MAIL_ALLOWED_DOMAINS": ["example.com"]},
        {"MAIL_OPEN_INTAKE": True},
        {"MAIL_OPEN_INTAKE": "true"},  # as written in instance/config.py by hand
        {"DEBUG": True},
        {"TESTING": True},
    ],
)
def test_domains_an_explicit_open_intake_debug_or_tests_start(deployment, settings):
    assert create_app({**deployment, **settings}) is not None


@pytest.mark.parametrize("value", ["false", "0", "", "no"])
def test_anything_but_yes_is_no(deployment, value):
    with pytest.raises(OpenMailIntake):
        create_app({**deployment, "MAIL_OPEN_INTAKE": value})


def test_the_flask_command_says_why_in_one_message(deployment):
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": "k",
        "FLASK_SQLALCHEMY_DATABASE_URI": deployment["SQLALCHEMY_DATABASE_URI"],
        "FLASK_MAIL_ALLOWED_DOMAINS": "[]",
    }
    env.pop("FLASK_DEBUG", None)
    env.pop("FLASK_MAIL_OPEN_INTAKE", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "MAIL_ALLOWED_DOMAINS is empty" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "send"],
        cwd=ROOT,
        env={
            **env,
            "FLASK_MAIL_ALLOWED_DOMAINS": '["example.com"]',
            "FLASK_MAIL_DELIVERY": "manual",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "MAIL_ALLOWED_DOMAINS is empty" not in done.stderr
