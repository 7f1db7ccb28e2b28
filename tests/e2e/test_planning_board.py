"""The planning board in a real browser, on the demo company.

The dispatcher plans the next working day from the board, sees the progress and then the
routes on the map and the technicians' timelines; a stop on the map finds its block on the
timeline; dragging a visit onto a technician who was deactivated meanwhile is refused with the
server's message and the block goes back; dragging a visit onto another technician's row moves
and pins it there; a drop on a board that another dispatcher changed since is refused and
the board shows the visit where it is now; after the re-run it is still there, pinned; the plan
is published and the technician finds the visit on their day. Then the board and a ticket page
are photographed at a phone's and a desktop's width (kept when E2E_SCREENSHOTS is set).
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from geopy.distance import great_circle

from dispatch import demo, demo_field
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.planning import problem as builder
from dispatch.planning import services, sources
from dispatch.planning.models import PlanRun, Visit

pytestmark = pytest.mark.e2e

DISPATCHER = "dana.dispatch@example.com"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _choose_move(run_id: int, day: date):
    """A visit that another technician working that day can take at the same time: near their
    home, with the skills, no appointment, inside its access window, well inside their shift and
    clear of their lunch window (so that the re-run can keep it pinned there)."""
    db.session.expire_all()
    run = db.session.get(PlanRun, run_id)
    shifts = {s.technician_id: s for s in sources.shifts_for(day, None)}
    slack = timedelta(minutes=60)
    for visit in sorted(run.visits, key=lambda v: v.id):
        ticket = visit.ticket
        start, end = visit.planned_start, visit.planned_end
        local = builder.ticket_zone(ticket)
        if ticket.appointment_start is not None or not (
            (ticket.access_from or time(0)) < start.astimezone(local).time()
            and end.astimezone(local).time() < (ticket.access_until or time(23, 59))
        ):
            continue
        point = builder.ticket_point(ticket)
        needed = {s.id for s in ticket.skills}
        for tech_id, shift in sorted(shifts.items()):
            lunch = shift.lunch_window_utc or (end, end)
            if (
                tech_id != visit.technician_id
                and shift.home is not None
                and great_circle(point, shift.home).km < 25
                and needed <= shift.skill_ids
                and shift.start_utc + slack <= start
                and end + slack <= shift.end_utc
                and (end <= lunch[0] or start >= lunch[1])
            ):
                return visit, db.session.get(User, tech_id)
    raise AssertionError("no visit can go to another technician in its city")


def _drag(page, block, track):
    """Drag ``block`` vertically onto ``track`` (same time), with real mouse events."""
    page.locator("#timeline").scroll_into_view_if_needed()
    box = block.bounding_box()
    target = track.bounding_box()
    x, y = box["x"] + min(6, box["width"] / 2), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 8, steps=2)
    page.mouse.move(x, target["y"] + target["height"] / 2, steps=8)
    page.mouse.up()


def test_plan_drag_rerun_publish(app, live_server, browser, shot, sign_in):
    expect = pytest.importorskip("playwright.sync_api").expect
    today = date.today()
    demo.load(today=today)
    day = demo_field.planning_days(today)[0]
    errors: list[str] = []

    ctx = browser.new_context(viewport=DESKTOP)
    page = sign_in(ctx, live_server, DISPATCHER)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/planning/")
    page.fill("input[name=day]", day.isoformat())
    page.fill("input[name=days]", "1")
    page.fill("input[name=time_limit]", "2")
    page.get_by_role("button", name="Plan", exact=True).click()
    page.wait_for_url(re.compile(r".*/planning/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[1])
    # While the engine runs, the board shows progress (unless it already finished).
    progress_or_plan = page.locator("#progress-box:not(.d-none) #progress-bar, #timeline")
    expect(progress_or_plan.first).to_be_visible()
    # The page reloads itself when the run is done: routes on the map, blocks on the timeline.
    page.wait_for_selector("#timeline .tl-visit", timeout=30_000)
    assert page.locator("#run-status").get_attribute("data-state") == "done"
    assert page.locator("#run-status").inner_text() == "proposed"  # words, not the stored state
    # The timeline is in the page; the map's routes are drawn by its script once it has loaded.
    page.wait_for_function("document.querySelectorAll('#plan-map path.route').length >= 3")
    assert page.locator(".tl-visit").count() > 5
    # Every visit has its stop on the map (visits at the same place share a marker).
    assert page.evaluate("""[...document.querySelectorAll('.tl-visit')].every(
        b => document.querySelector('#plan-map path.stop-' + b.dataset.visit))""")
    shot(page, "board-desktop")

    # A stop on the map and its block on the timeline find each other (a place with several
    # visits lists them in its popup; each line selects its visit).
    vid = page.locator(".tl-visit").first.get_attribute("data-visit")
    page.locator(f"#plan-map path.stop-{vid}").dispatch_event("click")
    selected = page.locator(".tl-visit.is-selected")
    expect(selected).to_have_count(1)
    chosen = selected.get_attribute("data-visit")
    assert f"stop-{chosen}" in page.locator(f"#plan-map path.stop-{vid}").get_attribute("class")
    expect(page.locator(f"#visit-{chosen}")).to_have_class(re.compile(r"\bis-selected\b"))
    page.locator(f"#block-{vid}").click()  # and back: the block opens its stop's popup
    expect(page.locator(f"#block-{vid}")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(".leaflet-popup-content")).to_contain_text(
        page.locator(f"#block-{vid}").inner_text().strip().lstrip("●")
    )
    page.locator("#map-legend [data-legend]").first.click()  # a technician's route, up close
    page.locator("#plan-map").scroll_into_view_if_needed()
    shot(page, "board-desktop-route")

    visit, target = _choose_move(run_id, day)
    number = visit.ticket.number
    block = page.locator(f"#block-{visit.id}")
    home_id = visit.technician_id
    home = page.locator(f".tl-track[data-technician='{home_id}']")

    # Refused by the server (the technician left meanwhile): its message, the block goes back.
    target.active = False
    db.session.commit()
    _drag(page, block, page.locator(f".tl-track[data-technician='{target.id}']"))
    expect(page.locator("#board-message")).to_have_text("Choose a technician.")
    expect(home.locator(f"#block-{visit.id}")).to_have_count(1)
    target.active = True
    db.session.commit()

    # The session ended meanwhile (password changed elsewhere): the move answers with the
    # sign-in page, which the board says in words; the block goes back.
    me = db.session.scalar(db.select(User).where(User.email == DISPATCHER))
    real_hash, me.password_hash = me.password_hash, me.password_hash + "-changed"
    db.session.commit()
    _drag(page, block, page.locator(f".tl-track[data-technician='{target.id}']"))
    expect(page.locator("#board-message")).to_contain_text("Your session has ended")
    expect(home.locator(f"#block-{visit.id}")).to_have_count(1)
    me.password_hash = real_hash  # the same stamp again: the user's session is valid once more
    db.session.commit()

    # Accepted: the block is on the other technician's row, pinned, and so is the visit.
    _drag(
        page,
        page.locator(f"#block-{visit.id}"),
        page.locator(f".tl-track[data-technician='{target.id}']"),
    )
    expect(page.locator("#board-message")).to_contain_text("Moved and pinned")
    moved = page.locator(f".tl-track[data-technician='{target.id}'] #block-{visit.id}")
    expect(moved).to_have_class(re.compile(r"\bis-pinned\b"))
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert (stored.technician_id, stored.pinned) == (target.id, True)

    # Another dispatcher puts it back meanwhile: this board's next drop of it is refused with
    # the reason, and the board then shows the visit where the other dispatcher put it.
    at = stored.planned_start.astimezone(builder.ticket_zone(stored.ticket)).time()
    services.move_visit(db.session.get(PlanRun, run_id), visit.id, home_id, day, at)
    _drag(
        page,
        page.locator(f"#block-{visit.id}"),
        page.locator(f".tl-track[data-technician='{home_id}']"),
    )
    expect(page.locator("#board-message")).to_contain_text("Someone else moved this visit")
    expect(home.locator(f"#block-{visit.id}")).to_have_count(1)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).technician_id == home_id  # theirs stands
    shot(page, "board-stale-drop")
    _drag(
        page,
        page.locator(f"#block-{visit.id}"),  # from the board as it is now: accepted
        page.locator(f".tl-track[data-technician='{target.id}']"),
    )
    expect(page.locator("#board-message")).to_contain_text("Moved and pinned")
    expect(moved).to_have_count(1)

    # Re-run: the new plan keeps it on that technician, pinned.
    page.get_by_role("button", name="Re-run keeping pinned visits").click()
    page.wait_for_url(lambda url: not url.endswith(f"/runs/{run_id}"))
    page.wait_for_selector("#timeline .tl-visit", timeout=30_000)
    kept = page.locator(
        f".tl-track[data-technician='{target.id}'] .tl-visit[data-number='{number}']"
    )
    expect(kept).to_have_class(re.compile(r"\bis-pinned\b"))

    # The same proposal on a phone: nothing scrolls sideways but the timeline; Move opens a
    # form that fits the screen.
    phone = browser.new_context(viewport=PHONE)
    p = sign_in(phone, live_server, DISPATCHER)
    p.goto(page.url)
    p.wait_for_selector("#timeline .tl-visit")
    width = p.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    p.locator("#visits summary", has_text="Move").first.click()
    form = p.locator("#visits .move-form").first
    expect(form).to_be_visible()
    assert form.bounding_box()["width"] > 300
    shot(p, "board-phone")

    page.get_by_role("button", name="Publish").click()
    expect(page.locator("body")).to_contain_text("Published")
    assert errors == []
    # The ticket page on a phone: the description first, then the staff panel.
    p.goto(f"{live_server}/tickets/{visit.ticket_id}")
    assert (
        p.locator("#description").bounding_box()["y"]
        < p.locator("#staff-panel").bounding_box()["y"]
        < p.locator("#history").bounding_box()["y"]
    )
    shot(p, "ticket-dispatcher-phone")
    phone.close()
    # On a desktop the staff panel is the column beside the description.
    page.goto(f"{live_server}/tickets/{visit.ticket_id}")
    description, panel = (
        page.locator(f"#{n}").bounding_box() for n in ("description", "staff-panel")
    )
    assert panel["x"] > description["x"] + description["width"]
    shot(page, "ticket-dispatcher-desktop")
    ctx.close()

    # The technician sees the visit on their day.
    tech = browser.new_context(viewport=PHONE)
    t = sign_in(tech, live_server, target.email)
    t.goto(f"{live_server}/my-day/?day={day.isoformat()}")
    expect(t.locator("body")).to_contain_text(number)
    shot(t, "my-day-phone")
    tech.close()
