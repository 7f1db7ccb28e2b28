"""Planning benchmark: ``python -m dispatch.planning.bench [--jobs 200] [--technicians 20]
[--days 5] [--time-limit 20] [--seed 1]``.

Creates a throw-away company in a temporary SQLite database (sites in five cities, technicians
with skills, working hours and lunch, on-site jobs with durations, skills, access windows,
appointments and due dates), then plans the week *from the board*: a dispatcher signs in,
submits the planning form and polls the progress endpoint until the plan is ready, exactly as
the page's script does. Prints the wall time, the progress values seen and the plan's figures
as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from dispatch import create_app
from dispatch.extensions import db
from dispatch.people.models import Role, Skill, User
from dispatch.planning.engine_reasons import say
from dispatch.planning.models import PlanRun
from dispatch.routing import check_solution, parse_problem
from dispatch.sites.models import Site
from dispatch.technicians.models import WorkingHours
from dispatch.tickets.models import Kind, Status, Ticket

PASSWORD = "bench-password-1"
CITIES = [  # name, lat, lon, time zone
    ("Cluj-Napoca", 46.7712, 23.6236, "Europe/Bucharest"),
    ("Bucharest", 44.4268, 26.1025, "Europe/Bucharest"),
    ("Timisoara", 45.7489, 21.2087, "Europe/Bucharest"),
    ("Iasi", 47.1585, 27.6014, "Europe/Bucharest"),
    ("Brasov", 45.6579, 25.6012, "Europe/Bucharest"),
]
SKILLS = ["hardware", "network", "printers", "audio-video", "electrical"]


def _next_monday() -> date:
    day = datetime.now(UTC).date() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day


def build_company(n_jobs: int, n_techs: int, first_day: date, days: int, seed: int) -> None:
    """Fill the (empty) database of the current app."""
    rng = random.Random(seed)
    pw = generate_password_hash(PASSWORD)
    skills = [Skill(name=n) for n in SKILLS]
    db.session.add_all(skills)
    sites = []
    for c, (city, lat, lon, tz) in enumerate(CITIES):
        for k in range(4):  # four sites spread over each city
            sites.append(
                Site(
                    name=f"{city} {k + 1}",
                    code=f"S{c}{k}",
                    city=city,
                    timezone=tz,
                    address=f"{k + 1} Main Street",
                    latitude=lat + rng.uniform(-0.04, 0.04),
                    longitude=lon + rng.uniform(-0.05, 0.05),
                    opens_at=time(8),
                    closes_at=time(18),
                    open_weekdays="01234",
                )
            )
    db.session.add_all(sites)
    db.session.add(
        User(
            email="dispatcher@bench.example.com",
            name="Bench Dispatcher",
            role=Role.DISPATCHER,
            password_hash=pw,
        )
    )
    requester = User(
        email="requester@bench.example.com", name="Requester", role=Role.EMPLOYEE, password_hash=pw
    )
    db.session.add(requester)
    techs = []
    for k in range(n_techs):
        site = sites[(k % len(CITIES)) * 4]
        tech = User(
            email=f"tech{k}@bench.example.com",
            name=f"Technician {k:02d}",
            role=Role.TECHNICIAN,
            password_hash=pw,
            site=site,
            skills=[skills[k % 5], skills[(k + k // 5 + 1) % 5]],
        )
        techs.append(tech)
    db.session.add_all(techs)
    db.session.flush()
    _working_hours(techs)
    epoch = datetime.combine(first_day, time(0), UTC)
    for k in range(n_jobs):
        site = rng.choice(sites)
        ticket = Ticket(
            requester=requester,
            site=site,
            subject=f"Bench job {k}",
            kind=Kind.ONSITE,
            status=Status.TO_SCHEDULE,
            priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
            duration_min=rng.choice([30, 45, 60, 60, 90, 120]),
            skills=[skills[rng.randrange(5)]] if rng.random() < 0.7 else [],
        )
        if rng.random() < 0.15:
            ticket.access_from, ticket.access_until = time(9), time(12)
        if rng.random() < 0.05:
            start = epoch + timedelta(days=rng.randrange(days), hours=rng.choice([7, 9, 11]))
            ticket.appointment_start, ticket.appointment_end = start, start + timedelta(hours=3)
        if rng.random() < 0.3:
            ticket.due_at = epoch + timedelta(days=rng.uniform(0, days + 3))
        db.session.add(ticket)
    db.session.commit()


def _working_hours(techs) -> None:
    """Monday–Friday 08:00–17:00 with a 30-minute lunch between 12:00 and 14:00."""
    for tech in techs:
        for weekday in range(5):
            db.session.add(
                WorkingHours(
                    user_id=tech.id,
                    weekday=weekday,
                    start_time=time(8),
                    end_time=time(17),
                    lunch_start=time(12),
                    lunch_end=time(14),
                    lunch_minutes=30,
                )
            )


def plan_from_board(client, first_day: date, days: int, time_limit: int) -> dict:
    """Sign in, submit the planning form, poll the status like the page does; the figures."""
    response = client.post(
        "/login", data={"email": "dispatcher@bench.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302, response.data[-1500:]
    t0 = clock.monotonic()
    response = client.post(
        "/planning/",
        data={"day": first_day.isoformat(), "days": str(days), "time_limit": str(time_limit)},
    )
    assert response.status_code == 302, response.data[:300]
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    seen = []
    while True:
        state = client.get(f"/planning/runs/{run_id}/status.json").get_json()
        if not seen or seen[-1] != state["progress"]:
            seen.append(state["progress"])
        if not state["active"]:
            break
        if clock.monotonic() - t0 > 10 * time_limit + 120:
            raise RuntimeError("the planning run never finished")
        clock.sleep(0.5)
    elapsed = clock.monotonic() - t0
    board = client.get(f"/planning/runs/{run_id}")
    db.session.expire_all()
    run = db.session.get(PlanRun, run_id)
    summary = (run.result or {}).get("summary", {})
    reasons: dict[str, int] = {}
    for item in (run.result or {}).get("unassigned", []):
        reason = say(item["reason"])
        reasons[reason] = reasons.get(reason, 0) + 1

    errors = (
        check_solution(parse_problem(run.problem), run.result["plan"])
        if run.problem and run.result
        else ["no plan"]
    )
    return {
        "status": run.status,
        "seconds": round(elapsed, 1),
        "plan_check_errors": len(errors),
        "board_page": board.status_code,
        "progress_seen": seen,
        "visits": summary.get("visits"),
        "unassigned": summary.get("unassigned"),
        "unassigned_reasons": reasons,
        "travel_minutes": summary.get("travel_minutes"),
        "vehicles": len((run.problem or {}).get("vehicles", [])),
        "message": run.message,
        "_problem": run.problem,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch.planning.bench")
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--technicians", type=int, default=20)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--time-limit", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--problem-out", metavar="FILE", help="also write the VROOM problem that was solved"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as tmp:
        url = "sqlite:///" + str(Path(tmp) / "bench.sqlite")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "RATELIMIT_ENABLED": False,
                "RQ_REDIS_URL": None,
                "WTF_CSRF_ENABLED": False,
                "SERVER_NAME": "localhost",
                # A throw-away company that receives no mail: the intake stays closed.
                "MAIL_ALLOWED_DOMAINS": "example.com",
            }
        )
        first_day = _next_monday()
        with app.app_context():
            db.create_all()
            build_company(args.jobs, args.technicians, first_day, args.days, args.seed)
            figures = plan_from_board(app.test_client(), first_day, args.days, args.time_limit)
            db.session.remove()
            db.engine.dispose()
    problem = figures.pop("_problem")
    if args.problem_out:
        Path(args.problem_out).write_text(json.dumps(problem), encoding="utf-8")
    print(
        json.dumps(
            {
                "jobs": args.jobs,
                "technicians": args.technicians,
                "days": args.days,
                "first_day": first_day.isoformat(),
                "time_limit": args.time_limit,
                **figures,
            },
            indent=1,
        )
    )
    return 0 if figures["status"] == "done" and figures["seconds"] <= 30 else 1


if __name__ == "__main__":
    sys.exit(main())
