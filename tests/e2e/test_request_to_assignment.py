"""From a request to its assignment, in a real browser on the demo company.

The demo employee submits a location-tagged hardware request; the demo dispatcher finds it in
the inbox with a suggested kind and the reason, catalogues it on-site, catalogues a remote one
and assigns it to an agent; the history of both says who did what, and when. Everything is
checked on what the pages show. The employee and the dispatcher use separate browser contexts
(separate cookies), as two people on two machines would.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch import demo

pytestmark = pytest.mark.e2e

EMPLOYEE = ("ana.pop@example.com", "Ana Pop")
DISPATCHER = ("dana.dispatch@example.com", "Dana Mureșan")
AGENT = "Victor Stan"
SITE = "Cluj Headquarters"
SITE_TZ = ZoneInfo("Europe/Bucharest")  # every demo site's time zone
REMOTE_SUBJECT = "Excel crashes when opening the budget file"  # a demo request (Software)
STAMP = re.compile(r"([A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2})")  # "Dec 7, 2026 09:30"


def history_line(page, *words: str) -> str:
    """The text of the one history line that contains all of ``words``."""
    lines = [
        text
        for text in page.locator("#history > li").all_inner_texts()
        if all(w in text for w in words)
    ]
    assert len(lines) == 1, (words, page.locator("#history").inner_text())
    return lines[0]


def assert_recent(line: str, started: datetime) -> None:
    """The line's time (the site's local time, to the minute) is when the test did it."""
    found = STAMP.search(line)
    assert found, line
    shown = datetime.strptime(found.group(1), "%b %d, %Y %H:%M").replace(tzinfo=SITE_TZ)
    assert started - timedelta(minutes=1) <= shown <= datetime.now(UTC), line


def test_request_to_catalogue_and_assignment(app, live_server, browser, shot, sign_in):
    expect = pytest.importorskip("playwright.sync_api").expect  # retries until the page shows it
    demo.load(today=date.today())
    started = datetime.now(UTC).replace(second=0, microsecond=0)

    # --- the employee: a hardware request, tagged with where it is --------------------------
    employee_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = sign_in(employee_ctx, live_server, EMPLOYEE[0])
    page.locator("#nav").get_by_role("link", name="New request").click()
    assert page.get_by_label("Site").locator("option:checked").inner_text() == SITE  # their own
    page.get_by_label("Category").select_option(label="Hardware")
    hardware = page.get_by_role("group", name="Details for Hardware")
    hardware.get_by_label("Device type").select_option(label="Laptop")
    hardware.get_by_label("Asset tag").fill("clj-lt-0815")
    hardware.get_by_label("Make and model").fill("Lenovo ThinkPad T14")
    page.get_by_label("Subject").fill("Laptop keyboard types double letters")
    page.get_by_label("What happened?").fill(
        "Since Monday most keys type twice (hhello) and the E key is stuck. Can someone replace it?"
    )
    page.get_by_label("Urgency").select_option(label="High")
    page.get_by_label("Building").fill("A")
    page.get_by_label("Floor").fill("3")
    page.get_by_label("Room").fill("Finance 305")
    shot(page, "done-when-1-request")
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+$"))
    flash = page.locator(".alert-success").inner_text()
    number = re.search(r"Your request is (#\d+)", flash).group(1)
    facts = page.locator("dl").filter(has_text="Requester").first.inner_text()
    for shown in ("Ana Pop", "Finance", SITE, "A", "3", "Finance 305", "Hardware"):
        assert shown in facts
    extra = page.locator("#extra-fields").inner_text()
    assert "Laptop" in extra and "CLJ-LT-0815" in extra and "Lenovo ThinkPad T14" in extra
    assert "Staff actions" not in page.content()  # the employee sees no staff panel
    assert_recent(history_line(page, "Ana Pop"), started)
    page.locator("#nav").get_by_role("link", name="My requests").click()
    expect(page.get_by_role("link", name=re.compile(number + " Laptop keyboard"))).to_be_visible()
    shot(page, "done-when-2-my-requests")

    # --- the dispatcher: the inbox, the suggestion and its reason ----------------------------
    dispatcher_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = sign_in(dispatcher_ctx, live_server, DISPATCHER[0])
    expect(desk.get_by_role("heading", name=re.compile("Inbox"))).to_be_visible()
    desk.get_by_label("Search").fill(number)
    desk.get_by_role("button", name="Filter").click()
    inbox_heading = desk.get_by_role("heading", name=re.compile("Inbox"))
    expect(inbox_heading).to_have_text(re.compile(r"^Inbox\s+1 ticket$"))
    row = desk.locator("#inbox tbody tr").filter(has_text="Laptop keyboard types double letters")
    assert row.count() == 1
    row_text = row.inner_text()
    assert number in row_text and "New" in row_text and "Ana Pop" in row_text
    suggested = row.locator("td").nth(5)  # the "Suggested" column: kind, confidence, reason
    assert re.search(r"^(On-site|Remote) · \d+%", suggested.inner_text()), row_text
    assert row.locator(".suggestion-reason").inner_text().strip(), row_text
    shot(desk, "done-when-3-inbox")
    row.get_by_role("link", name=number).click()
    desk.wait_for_url(re.compile(r".*/tickets/\d+$"))
    suggestion = desk.locator("#suggestion").inner_text()
    assert "Suggested:" in suggestion and re.search(r"On-site|Remote", suggestion)
    assert len(suggestion.split("\n")) >= 2, suggestion  # the reason under the kind

    # --- catalogue it on-site ----------------------------------------------------------------
    catalog = desk.locator("#panel-catalog")
    catalog.get_by_label("On-site").check()
    catalog.get_by_label("Priority").select_option(label="High")
    catalog.get_by_label("Estimated duration (minutes)").fill("90")
    shot(desk, "done-when-4-catalogue")
    catalog.get_by_role("button", name="Save catalogue").click()
    expect(desk.locator(".alert-success")).to_contain_text("Ticket catalogued.")
    badges = desk.locator("#ticket-badges").inner_text()
    assert "To schedule" in badges and "On-site" in badges and "High" in badges
    assert_recent(
        history_line(desk, "Dana Mureșan (dispatcher) catalogued the request as On-site"), started
    )
    assert_recent(
        history_line(desk, "Dana Mureșan (dispatcher) changed the status from New to To schedule"),
        started,
    )
    shot(desk, "done-when-5-onsite-history")

    # --- a remote request: catalogue, then assign to an agent --------------------------------
    desk.goto(f"{live_server}/desk/inbox")
    desk.get_by_label("Search").fill("Excel crashes")
    desk.get_by_role("button", name="Filter").click()
    desk.wait_for_url(re.compile(r".*q=Excel"))
    desk.locator("#inbox tbody tr").filter(has_text=REMOTE_SUBJECT).get_by_role(
        "link", name=REMOTE_SUBJECT
    ).click()
    desk.wait_for_url(re.compile(r".*/tickets/\d+$"))
    remote_number = desk.locator("h1 .text-muted").inner_text()
    catalog = desk.locator("#panel-catalog")
    catalog.get_by_label("Remote").check()
    catalog.get_by_role("button", name="Save catalogue").click()
    expect(desk.locator(".alert-success")).to_contain_text("Ticket catalogued.")
    assign = desk.locator("#panel-assign")
    assign.locator("summary").click()
    assign.get_by_label("Assignee").select_option(label=AGENT)
    assign.get_by_role("button", name="Save assignment").click()
    expect(desk.locator(".alert-success")).to_contain_text("Assignment saved.")
    badges = desk.locator("#ticket-badges").inner_text()
    assert "Assigned" in badges and "Remote" in badges
    assert_recent(
        history_line(desk, "Dana Mureșan (dispatcher) catalogued the request as Remote"), started
    )
    assert_recent(
        history_line(desk, f"Dana Mureșan (dispatcher) assigned the request to {AGENT}"), started
    )
    shot(desk, "done-when-6-remote-history")

    # --- the employee sees both histories: who did what, and when ----------------------------
    page.goto(f"{live_server}/tickets/mine")
    page.get_by_role("link", name="Laptop keyboard types double letters").click()
    page.wait_for_url(re.compile(r".*/tickets/\d+$"))
    assert "To schedule" in page.locator("#ticket-badges").inner_text()
    assert_recent(history_line(page, "Dana Mureșan (dispatcher) set kind to On-site"), started)
    assert_recent(
        history_line(page, "Dana Mureșan (dispatcher) changed the status from New to To schedule"),
        started,
    )
    assert "Internal" not in page.locator("#history").inner_text()  # staff notes stay staff's
    page.goto(f"{live_server}/tickets/mine")
    page.get_by_role("link", name=REMOTE_SUBJECT).click()
    page.wait_for_url(re.compile(r".*/tickets/\d+$"))
    assert remote_number in page.locator("h1").inner_text()
    assert_recent(
        history_line(page, f"Dana Mureșan (dispatcher) assigned the request to {AGENT}"), started
    )
    assert AGENT in page.locator("dl").filter(has_text="Requester").first.inner_text()
    shot(page, "done-when-7-employee-history")
    employee_ctx.close()
    dispatcher_ctx.close()
