"""A deployment refuses to start with its mail intake open to the whole internet unless that
is said (MAIL_OPEN_INTAKE); debug and the tests stay open, as they make up a SECRET_KEY.
What the `flask` command prints then: tests/test_startup.py."""

from __future__ import annotations

import pytest

from dispatch import create_app
from dispatch.mail.settings import OpenMailIntake


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
