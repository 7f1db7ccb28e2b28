"""Behind a reverse proxy: believe the X-Forwarded-* headers of the proxies configured.

Behind nginx every request comes from nginx's address; with ``PROXY_FIX_X_FOR = 1`` the
client's own address (``request.remote_addr``, which the rate limits key on) is read from the
header nginx appends, and ``PROXY_FIX_X_PROTO = 1`` makes ``request.is_secure`` say whether the
client used HTTPS. Each number counts the proxies that set the header: trusting more than there
are would let a client forge its address.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

HEADERS = ("for", "proto", "host")


def init_app(app: Flask) -> None:
    """Wrap the app's WSGI callable in ProxyFix when any ``PROXY_FIX_X_*`` setting is above 0."""
    counts = {name: int(app.config.get(f"PROXY_FIX_X_{name.upper()}") or 0) for name in HEADERS}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": n for name, n in counts.items()})
