"""A live server on a free loopback port and headless Chromium driven by Playwright.

Without Debian's chromium (or the playwright package) these tests skip and say why.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from dispatch.extensions import db
from tests.live import live_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The machine has no network: keep Chromium from trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder to keep screenshots in, if set


@pytest.fixture
def live_server(app, database_url, tmp_path):
    """Serve a second app (CSRF on, as in production) on the test database."""
    with live_app(database_url, str(tmp_path / "live-attachments"), SECRET_KEY="e2e") as url:
        yield url


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests"
        )
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


def reads_english(email: str) -> None:
    """These tests read the English pages: the demo user's own language (Romanian for most of
    the demo company) is set aside, and the browser's (English) is followed."""
    from dispatch.people.models import User

    db.session.execute(db.update(User).where(User.email == email).values(locale=None))
    db.session.commit()


@pytest.fixture
def sign_in(app):
    """sign_in(context, base, email) → a page signed in as that demo user (demo password),
    in English."""
    from dispatch import demo

    def open_page(context, base: str, email: str):
        reads_english(email)
        page = context.new_page()
        page.set_default_timeout(20_000)
        # No network here: refuse map tiles at once instead of waiting for them.
        page.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
        page.goto(f"{base}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return open_page
