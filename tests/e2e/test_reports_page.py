"""The reports page in a real browser, at phone and desktop width: charts and tables fit the
screen, the filters are a GET form, the numbers read in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.extensions import db
from dispatch.planning.models import PlanRun, Visit, VisitStatus
from dispatch.tickets.models import Ticket, TicketEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday


def _company(make_user, make_site, make_department):
    """Twelve weeks of requests over two sites and three channels, and a technician's visits."""
    sites = [make_site(name="Cluj Sediul Central"), make_site(name="Iași Depozit")]
    departments = [make_department(name="Finanțe"), make_department(name="Logistică")]
    requester, tech = make_user("employee"), make_user("technician", name="Radu Tehnician")
    run = PlanRun(first_day=START.date(), status="published")
    for n in range(150):
        created = START + timedelta(hours=13 * n + 7)
        kind = "onsite" if n % 3 == 0 else "remote"
        ticket = Ticket(
            requester=requester,
            subject=f"Problem {n}",
            channel=("web", "email", "api")[n % 3],
            kind=kind,
            site=sites[n % 2],
            department=departments[n % 2 if n % 5 else 1],
            stops_work=n % 4 == 0,
            created_at=created,
            resolved_at=created + timedelta(hours=2 + (n * 7) % 40) if n % 6 else None,
            status="resolved" if n % 6 else "assigned",
        )
        db.session.add(ticket)
        if ticket.resolved_at is not None:
            finished = {"old": "in_progress", "new": "resolved"}
            db.session.add(
                TicketEvent(
                    ticket=ticket, type="status", data=finished, created_at=ticket.resolved_at
                )
            )
        if n % 10 == 1:  # resolved, then reopened and resolved again
            again = {"old": "resolved", "new": "assigned"}
            db.session.add(
                TicketEvent(ticket=ticket, type="status", data=again, created_at=ticket.resolved_at)
            )
        if kind == "onsite" and n % 6:
            arrived = created + timedelta(hours=1)
            db.session.add(
                Visit(
                    plan_run=run,
                    ticket=ticket,
                    technician=tech,
                    day=arrived.date(),
                    planned_start=arrived,
                    planned_end=arrived + timedelta(hours=1),
                    travel_seconds=900 + 60 * (n % 30),
                    status=VisitStatus.DONE,
                    arrived_at=arrived,
                    done_at=arrived + timedelta(minutes=30 + n % 60),
                )
            )
    db.session.commit()


@pytest.mark.parametrize("size", SIZES)
def test_reports_fit_the_screen(
    live_server, browser, make_user, make_site, make_department, shot, size
):
    _company(make_user, make_site, make_department)
    dispatcher = make_user("dispatcher", locale="ro" if size == "phone" else None)
    page = browser.new_page(viewport=SIZES[size])
    page.set_default_timeout(20_000)
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", dispatcher.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{live_server}/reports/?start=2026-09-07&end=2026-11-29")
    assert page.locator("svg.report-chart").count() == 8
    assert page.locator("table caption").count() == 8
    shot(page, f"reports-{size}")
    # Nothing wider than the screen: the charts scale, the tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    if size == "phone":
        assert page.get_by_role("heading", name="Rapoarte").is_visible()
        return
    page.select_option("select[name=channel]", "email")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "channel=email" in url)
    first = page.locator("#volume tbody tr").first
    assert "Mail" in first.inner_text()
