"""A deployment-like app served on a free loopback port, for tests that talk HTTP to it: the
browser tests and Schemathesis. It runs on the tests' database, as production runs (no
TESTING: errors are answered as a deployment answers them), in a thread of the test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

from dispatch import create_app
from dispatch.extensions import db


@contextmanager
def live_app(database_url: str, attachment_dir: str, **settings: Any) -> Iterator[str]:
    """Serve a new app on ``database_url``; yields its base URL, e.g. http://127.0.0.1:40123."""
    live = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "live",
            # Served over plain HTTP, as `make run` is: cookies without their Secure flag.
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_DIR": attachment_dir,
            # No background mail sender: it would outlive the test and find the tables emptied.
            "MAIL_DELIVERY": "manual",
            "MAIL_OPEN_INTAKE": True,
            **settings,
        }
    )
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        with live.app_context():
            db.engine.dispose()
