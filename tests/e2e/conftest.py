"""A live server on a free loopback port and headless Chromium driven by Playwright.

Without Debian's chromium (or the playwright package) these tests skip and say why.
"""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from dispatch import create_app
from dispatch.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The machine has no network: keep Chromium from trying to reach Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, if set


@pytest.fixture
def live_server(app, database_url, tmp_path):
    """Serve a second app (CSRF on, as in production) on the test database."""
    live = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "e2e",
        "RATELIMIT_ENABLED": False,
        "ATTACHMENT_DIR": str(tmp_path / "live-attachments"),
        # No background mail sender: it would outlive the test and find the tables emptied.
        "MAIL_DELIVERY": "manual",
    })
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with live.app_context():
        db.engine.dispose()


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                    "(apt-get install chromium) to run the browser tests")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shot():
    """Save a screenshot under E2E_SCREENSHOTS (for people to look at), if set."""
    def take(page, name):
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)
    return take
