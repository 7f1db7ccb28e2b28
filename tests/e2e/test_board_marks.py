"""The board's marks in a real browser: an arrow from a visit's block to the block of the
follow-up that must come after it (drawn from the blocks' data attributes, from the end of the
first to the start of the second), the late visit in red, and the day past the shift's end
shaded — at a desktop's and a phone's width (screenshots kept when E2E_SCREENSHOTS is set)."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from tests.conftest import PASSWORD
from tests.planning.fixtures import at_utc, next_weekday, proposed_run

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def marked(planning_app, shifts, make_tech, make_job, make_user):
    day = next_weekday()
    ana, bob = make_tech(name="Ana"), make_tech(name="Bob")
    parent = make_job(subject="Boiler check")
    same = make_job(subject="Boiler follow-up")
    other = make_job(subject="Second follow-up")
    late = make_job(subject="Late printer", due_at=at_utc(day, 9))
    same.parent_id = other.parent_id = parent.id
    db.session.commit()
    run = proposed_run(
        day,
        [
            (parent, ana, at_utc(day, 8), 60),
            (same, ana, at_utc(day, 10), 60),
            (other, bob, at_utc(day, 13), 60),
            (late, bob, at_utc(day, 16), 90),  # due at 09:00; ends at 17:30, past the shift
        ],
        preferred={str(late.id): {"ids": [ana.id], "by": "named"}},
    )
    visits = {v.ticket.subject: v.id for v in run.visits}
    return {"run": run.id, "visits": visits, "dispatcher": make_user("dispatcher").email}


def _centre_y(box):
    return box["y"] + box["height"] / 2


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_board_draws_the_marks(marked, live_server, browser, shot, size):
    ctx = browser.new_context(viewport=SIZES[size], locale="en-GB")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.route("**/*", lambda r: r.abort() if "127.0.0.1" not in r.request.url else r.continue_())
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(marked["dispatcher"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/planning/runs/{marked['run']}")
    links = page.locator("#timeline svg.tl-links path.tl-link")
    links.first.wait_for(state="attached")
    assert links.count() == 2
    first = marked["visits"]["Boiler check"]
    origin = page.locator("#timeline .tl-inner").bounding_box()
    parent_box = page.locator(f"#block-{first}").bounding_box()
    for name in ("Boiler follow-up", "Second follow-up"):
        then = marked["visits"][name]
        path = page.locator(f'#timeline path.tl-link[data-from="{first}"][data-to="{then}"]')
        d = path.get_attribute("d")
        start, end = d.split(" C")[0][1:], d.split(" ")[-1]
        x1, y1 = (float(n) for n in start.split(","))
        x2, y2 = (float(n) for n in end.split(","))
        child = page.locator(f"#block-{then}").bounding_box()
        assert abs(origin["x"] + x1 - (parent_box["x"] + parent_box["width"])) < 2
        assert abs(origin["y"] + y1 - _centre_y(parent_box)) < 2
        assert abs(origin["x"] + x2 - child["x"]) < 2
        assert abs(origin["y"] + y2 - _centre_y(child)) < 2
    late = marked["visits"]["Late printer"]
    assert "is-late" in page.locator(f"#block-{late}").get_attribute("class")
    ring = page.locator(f"#block-{late}").evaluate("el => getComputedStyle(el).boxShadow")
    assert "rgb(220, 53, 69)" in ring
    foot = page.locator(f"#block-{late}").evaluate(
        "el => getComputedStyle(el, '::after').backgroundImage"
    )
    assert "rgb(220, 53, 69)" in foot
    assert page.locator(".tl-overtime").count() == 1
    assert "past its due date" in page.locator(f"#visit-{late}").inner_text()
    assert "after #" in page.locator(f"#visit-{marked['visits']['Boiler follow-up']}").inner_text()
    assert page.locator("#late-count").inner_text() == "1 visit late"
    page.locator("#timeline").scroll_into_view_if_needed()
    shot(page, f"board-marks-{size}")
    ctx.close()
