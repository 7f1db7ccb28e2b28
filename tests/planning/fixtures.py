"""Planning fixtures: a small company with technicians, a fake shift source and on-site jobs.

Shifts come from a test-local fake (``shifts``) so that these tests do not depend on how the
people feature stores working hours: each technician works 08:00–17:00 UTC with a lunch of 30
minutes between 12:00 and 14:00, except on the days listed in ``shifts.off``.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest

from dispatch.extensions import db
from dispatch.notifications.models import Notification
from dispatch.planning import sources
from dispatch.planning.models import PlanRun, RunStatus, Visit
from dispatch.tickets.models import Kind, Status, Ticket, TicketEvent
from tests.ports import free_port

_n = itertools.count(1)


def next_weekday(start: date | None = None) -> date:
    day = (start or datetime.now(UTC).date()) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at_utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def proposed_run(day: date, visits, preferred=None) -> PlanRun:
    """A proposed plan of ``visits``: (ticket, technician, start, minutes) each."""
    summary = {"visits": len(visits), "unassigned": 0, "travel_minutes": 0}
    result = {"routes": [], "unassigned": [], "summary": summary}
    if preferred is not None:
        result["preferred"] = preferred
    run = PlanRun(first_day=day, days=1, status=RunStatus.DONE, result=result)
    for order, (ticket, tech, start, minutes) in enumerate(visits, 1):
        run.visits.append(
            Visit(
                ticket=ticket,
                technician=tech,
                day=day,
                planned_start=start,
                planned_end=start + timedelta(minutes=minutes),
                order=order,
            )
        )
    db.session.add(run)
    db.session.commit()
    return run


class FakeShifts:
    def __init__(self):
        self.off: set[tuple[int, date]] = set()
        self.hours = (time(8), time(17))
        self.homes: dict[int, tuple[float, float]] = {}

    def __call__(self, day, technician_ids=None):
        result = []
        for user in sources.technicians():
            if technician_ids is not None and user.id not in technician_ids:
                continue
            if (user.id, day) in self.off:
                continue

            def at(t):
                return datetime.combine(day, t, UTC)

            result.append(
                sources.Shift(
                    technician_id=user.id,
                    name=user.name,
                    start_utc=at(self.hours[0]),
                    end_utc=at(self.hours[1]),
                    lunch_window_utc=(at(time(12)), at(time(14))),
                    lunch_minutes=30,
                    home=self.homes.get(user.id, (46.77, 23.59)),
                    skill_ids=frozenset(s.id for s in user.skills),
                    timezone="UTC",
                )
            )
        return result


@pytest.fixture
def shifts(monkeypatch):
    fake = FakeShifts()
    monkeypatch.setattr(sources, "shifts_for", fake)
    return fake


@pytest.fixture
def planning_app(app):
    app.config.update(PLANNING_TIME_LIMIT=1, PLANNING_WORKERS=1, RQ_REDIS_URL=None)
    return app


@pytest.fixture
def make_skill(app):
    from dispatch.people.models import Skill

    def make(name=None):
        skill = Skill(name=name or f"skill-{next(_n)}")
        db.session.add(skill)
        db.session.commit()
        return skill

    return make


@pytest.fixture
def make_tech(make_user):
    def make(skills=(), **kw):
        user = make_user("technician", **kw)
        user.skills = list(skills)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_job(make_ticket, make_site):
    """An on-site ticket waiting to be scheduled (catalogued directly, for speed)."""
    site_cache = {}

    def make(site=None, duration=60, skills=(), priority="normal", **kw):
        if site is None:
            site = site_cache.get("default") or make_site(
                timezone="UTC", opens_at=time(8), closes_at=time(17), open_weekdays="0123456"
            )
            site_cache["default"] = site
        planning = {
            k: kw.pop(k)
            for k in list(kw)
            if k
            in ("access_from", "access_until", "appointment_start", "appointment_end", "due_at")
        }
        ticket = make_ticket(site_id=site.id, **kw)
        ticket.kind, ticket.status, ticket.priority = Kind.ONSITE, Status.TO_SCHEDULE, priority
        ticket.duration_min = duration
        ticket.skills = list(skills)
        for key, value in planning.items():
            setattr(ticket, key, value)
        db.session.commit()
        return ticket

    return make


@pytest.fixture
def visited(make_job):
    """``visited(asset, tech, day, done_at)``: a closed ticket about ``asset`` whose visit
    ``tech`` made ten days before ``day``, done at ``done_at``."""
    from dispatch.planning.models import VisitStatus

    def make(asset, tech, day, done_at):
        fixed = make_job()
        fixed.asset_id, fixed.status = asset.id, Status.CLOSED
        start = datetime.combine(day, time(0), UTC) - timedelta(days=10)
        run = PlanRun(first_day=day, days=1, status=RunStatus.DONE)
        run.visits.append(
            Visit(
                ticket=fixed,
                technician=tech,
                day=start.date(),
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                status=VisitStatus.DONE,
                done_at=done_at,
            )
        )
        db.session.add(run)
        db.session.commit()
        return fixed

    return make


@pytest.fixture
def redis_url(tmp_path):
    """A throw-away Redis on a free port (skipped when redis-server is not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    from redis import Redis

    deadline = clock.monotonic() + 10
    while True:
        try:
            Redis(port=port).ping()
            break
        except Exception:
            if clock.monotonic() > deadline:
                proc.kill()
                raise
            clock.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def wait_for(run_id: int, timeout: float = 30.0) -> PlanRun:
    """Poll the run like the board does until it is no longer queued or running."""
    deadline = clock.monotonic() + timeout
    while clock.monotonic() < deadline:
        db.session.expire_all()
        run = db.session.get(PlanRun, run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return run
        clock.sleep(0.1)
    raise AssertionError(f"run {run_id} still {run.status} after {timeout} s")


def snapshot():
    """Everything a publish may write: compared before and after a failed one."""
    db.session.expire_all()
    return (
        sorted(
            (t.id, t.status, t.assignee_id, t.version)
            for t in db.session.scalars(db.select(Ticket))
        ),
        db.session.scalar(db.select(db.func.count(TicketEvent.id))),
        sorted((v.id, v.status) for v in db.session.scalars(db.select(Visit))),
        db.session.scalar(db.select(db.func.count(Notification.id))),
        sorted((r.id, r.status) for r in db.session.scalars(db.select(PlanRun))),
    )


def failing_on(n: int):
    """A publish ``on_visit`` hook that fails at the ``n``-th visit, as a lost database would."""
    calls = []

    def hook(visit):
        calls.append(visit.id)
        if len(calls) == n:
            raise RuntimeError("database went away")

    return hook
