"""A tour of the main pages at a desktop (1280) and a phone (390x844) width, for people to look at.

Not collected by default (the name does not start with test_); run it explicitly:
    E2E_SCREENSHOTS=/tmp/shots .venv/bin/python -m pytest tests/e2e/_tour.py -q -s
It prints the pages that scroll sideways (none should).
"""

from __future__ import annotations

import json
from datetime import date

from dispatch import demo
from dispatch.extensions import db
from dispatch.people.models import Group, User
from dispatch.tickets import dispatching
from dispatch.tickets.models import Category, Ticket
from tests.e2e.conftest import reads_english

SIZES = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def sign_in(ctx, base, email):
    reads_english(email)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def _one(model, **where):
    return db.session.scalars(db.select(model).filter_by(**where)).first()


def _catalogue(subject, kind, **kw):
    """Give the pages something to show: a few demo requests catalogued by the dispatcher."""
    ticket = _one(Ticket, subject=subject)
    dispatching.catalog(
        ticket,
        _one(User, email="dana.dispatch@example.com"),
        expected_version=ticket.version,
        kind=kind,
        category_id=ticket.category_id,
        priority="normal",
        **kw,
    )
    return ticket


def test_tour(app, live_server, browser, shot):
    demo.load(today=date.today())
    hw = _one(Category, name="Hardware")
    _catalogue(
        "Excel crashes when opening the budget file",
        "remote",
        assignee_id=_one(User, email="victor.agent@example.com").id,
    )
    _catalogue("Locked out after password change", "remote", group_id=_one(Group).id)
    ana_ticket = _catalogue(
        "Printer on 3rd floor jams every page",
        "onsite",
        assignee_id=_one(User, email="radu.tech@example.com").id,
    )
    overflow = {}
    for size, viewport in SIZES.items():

        def snap(page, name, size=size):
            page.wait_for_load_state()
            w = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if w[0] > w[1]:
                overflow[f"{size}-{name}"] = w
            shot(page, f"{size}-{name}")

        anon = browser.new_context(viewport=viewport)
        p = anon.new_page()
        p.goto(f"{live_server}/login")
        snap(p, "01-login")
        anon.close()

        ctx = browser.new_context(viewport=viewport)
        p = sign_in(ctx, live_server, "ana.pop@example.com")
        p.goto(f"{live_server}/tickets/new")
        p.select_option("select[name=category]", str(hw.id))
        snap(p, "02-new-request")
        p.goto(f"{live_server}/tickets/mine")
        snap(p, "03-my-requests")
        p.goto(f"{live_server}/tickets/{ana_ticket.id}")
        snap(p, "04-ticket-employee")
        ctx.close()

        ctx = browser.new_context(viewport=viewport)
        p = sign_in(ctx, live_server, "dana.dispatch@example.com")
        p.goto(f"{live_server}/tickets/{ana_ticket.id}")
        snap(p, "05-ticket-dispatcher")
        p.goto(f"{live_server}/desk/inbox")
        snap(p, "06-inbox")
        p.goto(f"{live_server}/triage/")
        snap(p, "11-triage")
        ctx.close()

        ctx = browser.new_context(viewport=viewport)
        p = sign_in(ctx, live_server, "victor.agent@example.com")
        p.goto(f"{live_server}/desk/queue?tab=groups")
        snap(p, "07-queue")
        ctx.close()

        ctx = browser.new_context(viewport=viewport)
        p = sign_in(ctx, live_server, "radu.tech@example.com")
        p.goto(f"{live_server}/desk/jobs")
        snap(p, "08-jobs")
        ctx.close()

        ctx = browser.new_context(viewport=viewport)
        p = sign_in(ctx, live_server, "admin@example.com")
        p.goto(f"{live_server}/admin/")
        snap(p, "09-admin")
        p.goto(f"{live_server}/admin/categories")
        snap(p, "10a-categories")
        p.goto(f"{live_server}/admin/categories/{hw.id}")
        snap(p, "10b-category-edit")
        ctx.close()
    print("OVERFLOW", json.dumps(overflow))
