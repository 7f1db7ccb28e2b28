"""Re-plan today changes as few visits as it can: technicians are freed step by step."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from dispatch.extensions import db
from dispatch.planning import replan, runs, services, solve, staged
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanRun, RunStatus, Visit, VisitStatus

HERE = (46.77, 23.59)
EAST = (46.77, 23.93)  # about 26 km away
WEST = (46.77, 23.25)


@pytest.fixture
def morning(monkeypatch):
    """Plan "today" as if it were 06:00, so that the whole day is ahead."""
    today = datetime.now(UTC).date()
    at = datetime.combine(today, time(6), UTC)
    monkeypatch.setattr(runs, "utcnow", lambda: at)
    monkeypatch.setattr(replan, "utcnow", lambda: at)
    monkeypatch.setattr(solve, "utcnow", lambda: at)
    return today


def _job(make_job, point, **kw):
    ticket = make_job(**kw)
    ticket.latitude, ticket.longitude = point
    db.session.commit()
    return ticket


def _publish(boss, day: date, routes: dict, *, pinned: bool = False) -> PlanRun:
    """Publish a plan with exactly these routes (technician → tickets in order), timed by the
    engine; its visits are pinned only when ``pinned``."""
    pins = [
        {"ticket_id": t.id, "technician_id": tech.id, "day": day.isoformat(), "start": None}
        for tech, tickets in routes.items()
        for t in tickets
    ]
    run = runs.start_run(boss, day, 1, background=False, time_limit=2, options={"pins": pins})
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.DONE, run.message
    assert run.result["summary"]["visits"] == len(pins), run.result["unassigned"]
    services.publish(run, boss)
    for visit in db.session.get(PlanRun, run.id).visits:
        visit.pinned = pinned
    db.session.commit()
    return run


def _replan(boss, urgent, limit=4) -> PlanRun:
    run = replan.replan_today(boss, urgent.id, time_limit=limit, background=False)
    runs.execute(run.id)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status == RunStatus.DONE, run.message
    return run


@pytest.fixture
def crowded_day(planning_app, shifts, make_tech, make_job, make_skill, make_user, morning):
    """Ana (the only one with the skill) has a full day; Bob, at the same place, has room;
    Cara and Dan each work near the other's home (a free re-plan would swap them)."""
    skill = make_skill("boilers")
    ana = make_tech(name="Ana", skills=[skill])
    bob, cara, dan = make_tech(name="Bob"), make_tech(name="Cara"), make_tech(name="Dan")
    shifts.homes.update({ana.id: HERE, bob.id: HERE, cara.id: EAST, dan.id: WEST})
    boss = make_user("dispatcher")
    routes = {
        ana: [_job(make_job, HERE, duration=120) for _ in range(4)],
        bob: [_job(make_job, HERE, duration=60)],
        cara: [_job(make_job, WEST, duration=60) for _ in range(2)],
        dan: [_job(make_job, EAST, duration=60) for _ in range(2)],
    }
    _publish(boss, morning, routes)
    return {
        "skill": skill,
        "boss": boss,
        "routes": routes,
        "ana": ana,
        "bob": bob,
        "cara": cara,
        "dan": dan,
    }


def test_only_the_technicians_that_must_change_are_replanned(crowded_day, make_job, monkeypatch):
    c = crowded_day
    urgent = _job(make_job, HERE, duration=60, priority="urgent", skills=[c["skill"]])
    run = _replan(c["boss"], urgent)
    by_ticket = {v.ticket_id: v for v in run.visits}
    assert by_ticket[urgent.id].technician_id == c["ana"].id
    moves = run.result["moves"]
    moved = [m for m in moves if m["change"] != "added"]
    untouched = {t.id for t in c["routes"][c["cara"]] + c["routes"][c["dan"]]}
    assert not untouched & {m["ticket_id"] for m in moved}, moves
    # One of Ana's visits had to go to Bob; nothing was dropped.
    assert [m["change"] for m in moves if m["ticket_id"] == urgent.id] == ["added"]
    assert any(m["change"] == "technician" and m["new_technician"] == "Bob" for m in moved)
    assert not any(m["change"] == "dropped" for m in moves)
    # Exactly what is necessary: one of Ana's visits to Bob; the urgent job takes its place,
    # nobody else's visit moves (the free re-plan below moves several).
    assert len(moved) == 1, moves
    # The board's sentences say who, from when to when.
    assert any("moved from Ana" in say(m["text"]) and "to Bob" in say(m["text"]) for m in moves)
    assert "Ana's day is re-planned" in run.message, run.message
    tried = run.result["tried"]
    assert [say(t["freed"]) for t in tried[:2]] == [
        "every visit kept at its time",
        "every visit kept in its order",
    ]
    # Neither fits it without losing one of Ana's visits.
    assert not any(t["urgent_planned"] and t["planned"] == 10 for t in tried[:2]), tried
    (chosen,) = [t for t in tried if t["chosen"]]
    assert say(chosen["freed"]) in ("Ana", "Ana, then the other visits put back in place")
    assert "the whole day" not in [say(t["freed"]) for t in tried]
    assert len(tried) <= 2 + staged.SINGLES + staged.PARTNERS + 1 + 2  # + settling

    # Going straight from held to the whole day (a re-plan without the steps between) moves more
    # visits: Cara and Dan swap their jobs, which they did not need to.
    monkeypatch.setattr(staged, "steps_after_held", lambda *a: [[staged.ALL]])
    free = _replan(c["boss"], urgent)
    assert urgent.id in {v.ticket_id for v in free.visits}
    free_moved = [m for m in free.result["moves"] if m["change"] != "added"]
    assert untouched & {m["ticket_id"] for m in free_moved}  # Cara and Dan swapped
    assert len(free_moved) > len(moved)


def test_urgent_work_that_fits_between_visits_moves_nothing(crowded_day, make_job):
    c = crowded_day
    urgent = _job(make_job, HERE, duration=60, priority="urgent")  # anyone can do it
    run = _replan(c["boss"], urgent, limit=2)
    assert urgent.id in {v.ticket_id for v in run.visits}
    assert [m["change"] for m in run.result["moves"]] == ["added"]
    assert "fits in a gap" in run.message and "No other visit moved" in run.message
    assert len(run.result["tried"]) == 1


def test_urgent_work_that_cannot_fit_at_all_says_so(
    planning_app, shifts, make_tech, make_job, make_skill, make_user, morning
):
    skill = make_skill("lifts")
    ana, bob = make_tech(name="Ana", skills=[skill]), make_tech(name="Bob")
    shifts.homes.update({ana.id: HERE, bob.id: HERE})
    boss = make_user("dispatcher")
    full = [_job(make_job, HERE, duration=120) for _ in range(4)]
    _publish(boss, morning, {ana: full, bob: [_job(make_job, HERE, duration=60)]}, pinned=True)
    before = {
        v.ticket_id: (v.technician_id, v.planned_start)
        for v in db.session.scalars(db.select(Visit).where(Visit.status == VisitStatus.PUBLISHED))
    }
    urgent = _job(make_job, HERE, duration=60, priority="urgent", skills=[skill])
    run = _replan(boss, urgent, limit=3)
    assert urgent.id not in {v.ticket_id for v in run.visits}
    assert urgent.id in {u["ticket_id"] for u in run.result["unassigned"]}
    assert run.result["moves"] == []
    assert {v.ticket_id: (v.technician_id, v.planned_start) for v in run.visits} == before
    assert "does not fit today even if the whole day is re-planned" in run.message, run.message
    assert f"#{urgent.id}" in run.message
    assert "The other visits were left as they were." in run.message


def test_urgent_job_without_location_is_explained(
    planning_app, shifts, make_tech, make_job, make_user, morning
):
    make_tech(name="Ana")
    boss = make_user("dispatcher")
    urgent = make_job(duration=30, priority="urgent")
    urgent.address = "Somewhere Unknown 1"  # its own address, not located yet
    db.session.commit()
    run = _replan(boss, urgent, limit=1)
    assert f"#{urgent.id} cannot be planned today: no location" in run.message
    (missing,) = [u for u in run.result["unassigned"] if u["ticket_id"] == urgent.id]
    assert "no location" in say(missing["reason"])


def test_moves_between_counts_like_the_board():
    day = datetime(2030, 1, 7, 9, tzinfo=UTC)
    previous = {
        "1": {"technician_id": 10, "start": day.isoformat()},
        "2": {"technician_id": 10, "start": day.replace(hour=10).isoformat()},
        "3": {"technician_id": 11, "start": day.isoformat()},
        "4": {"technician_id": 11, "start": day.replace(hour=11).isoformat()},
    }
    new = {
        1: (10, day.replace(minute=9)),  # 9 minutes: not a move
        2: (10, day.replace(hour=10, minute=10)),  # 10 minutes: moved
        3: (10, day),  # other technician
        5: (11, day),
    }  # added; 4 dropped
    changes = {m["ticket_id"]: m["change"] for m in staged.moves_between(previous, new)}
    assert changes == {2: "time", 3: "technician", 4: "dropped", 5: "added"}
