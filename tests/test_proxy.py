"""Behind a reverse proxy: the client's address and scheme come from the X-Forwarded-* headers
of as many proxies as configured, and from nowhere else."""

from __future__ import annotations

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

WRONG = "not the password at all"


def attempts(app, forwarded_for: list[str]) -> list[int]:
    """Failed sign-ins through one proxy (127.0.0.1), each for the client the header names."""
    client = app.test_client()
    return [
        client.post(
            "/login",
            data={"email": f"someone{i}@example.com", "password": WRONG},
            headers={"X-Forwarded-For": address},
        ).status_code
        for i, address in enumerate(forwarded_for)
    ]


def test_rate_limits_key_on_the_client_the_proxy_names(make_app):
    app = make_app(PROXY_FIX_X_FOR=1, LOGIN_ADDRESS_LIMIT="2 per hour")
    first, second = "198.51.100.1", "198.51.100.2"
    assert attempts(app, [first, first, first, second]) == [200, 200, 429, 200]


def test_without_a_trusted_proxy_a_forged_header_is_ignored(make_app):
    app = make_app(LOGIN_ADDRESS_LIMIT="2 per hour")
    assert not isinstance(app.wsgi_app, ProxyFix)
    forged = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    assert attempts(app, forged) == [200, 200, 429]


def test_only_as_many_proxies_as_configured_are_believed(make_app):
    # One proxy: the client may prepend anything; only the address the proxy appended counts.
    app = make_app(PROXY_FIX_X_FOR=1, LOGIN_ADDRESS_LIMIT="2 per hour")
    client = "198.51.100.7"
    forged = [f"10.9.9.{i}, {client}" for i in range(3)]
    assert attempts(app, forged) == [200, 200, 429]


def test_the_proxy_settings_are_read_like_every_other(monkeypatch, make_app):
    monkeypatch.setenv("FLASK_PROXY_FIX_X_FOR", "2")
    monkeypatch.setenv("FLASK_PROXY_FIX_X_PROTO", "1")
    app = make_app(PROXY_FIX_X_HOST=1)
    fix = app.wsgi_app
    assert isinstance(fix, ProxyFix)
    assert (fix.x_for, fix.x_proto, fix.x_host, fix.x_port) == (2, 1, 1, 0)
    seen = {}

    @app.get("/_seen")
    def _seen():
        seen.update(addr=request.remote_addr, host=request.host, secure=request.is_secure)
        return ""

    headers = {
        "X-Forwarded-For": "198.51.100.1, 198.51.100.2",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "help.example.com",
    }
    app.test_client().get("/_seen", headers=headers)
    assert seen == {"addr": "198.51.100.1", "host": "help.example.com", "secure": True}


def test_hsts_when_the_proxy_says_the_client_used_https(make_app):
    app = make_app(PROXY_FIX_X_PROTO=1)
    client = app.test_client()
    over_https = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_no_hsts_from_an_untrusted_header(make_app):
    app = make_app()
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
