"""Make the benchmark's company in a database of its own: created, migrated, filled, its day
planned by the engine; and what the scenarios need to know of it (accounts, tickets, the
planning run), which the run hands to locust as a JSON file."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask

from dispatch.bench import board, company, history, server, words
from dispatch.bench.rows import plain_url, reset_sequences
from dispatch.extensions import db
from dispatch.types import utctoday

SEQUENCES = (
    "site", "department", "skill", "agent_group", "category", "user", "working_hours",
    "api_token", "ticket", "ticket_event", "comment", "plan_run", "visit",
)  # fmt: skip


def fill(url: str, size: company.Size) -> tuple[company.Company, history.Written, dict]:
    """Write the company into the (migrated, empty) database at ``url``."""
    rng = random.Random(size.seed)
    made = company.Company(today=utctoday())
    counts: dict[str, Any] = {}
    with psycopg.connect(plain_url(url)) as conn:
        company.write_places(conn, made, size, rng)
        company.write_people(conn, made, size, rng)
        written = history.write_tickets(conn, made, size)
        counts["visits"] = board.write_past_visits(conn, made, written)
        reset_sequences(conn, SEQUENCES)
        conn.commit()
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # the planner's statistics, as after a day's autovacuum
    return made, written, counts


def plan(app: Flask, made: company.Company, size: company.Size) -> dict:
    """The board's day planned by the engine, in this process, by ``app`` (on the company's
    database)."""
    with app.app_context():
        try:
            return board.plan_summary(board.plan_day(made, size))
        finally:
            db.session.remove()
            db.engine.dispose()


def app_settings(url: str) -> dict[str, Any]:
    """The settings of the app that plans the day (``create_app(app_settings(url))``)."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-generator",
        "RQ_REDIS_URL": None,
        "GEOCODER": "",
        "MAIL_ALLOWED_DOMAINS": "bench.example.com",
        "LOG_LEVEL": "WARNING",
    }


def generate(
    url: str, env: dict[str, str], size: company.Size, make_app: Callable[[str], Flask], say=print
) -> dict:
    """A fresh database at ``url`` with the company of ``size``; the scenarios' data.
    ``make_app(url)`` builds the app that plans the day (the caller's: only entry points build
    the application)."""
    started = time.monotonic()
    server.recreate_database(url)
    server.migrate(env)
    say(f"  schema migrated ({time.monotonic() - started:.0f} s)")
    made, written, counts = fill(url, size)
    say(
        f"  {written.tickets:,} tickets, {written.events:,} events, {written.comments:,} comments,"
        f" {len(made.employees):,} employees, {counts['visits']:,} past visits"
        f" ({time.monotonic() - started:.0f} s)"
    )
    planned = plan(make_app(url), made, size)
    say(
        f"  the board's day {planned['day']}: {planned['visits']} visits planned by the engine"
        f" ({time.monotonic() - started:.0f} s)"
    )
    rng = random.Random(size.seed + 1)
    return {
        "size": asdict(size),
        "generated_in_s": round(time.monotonic() - started, 1),
        "counts": {
            "tickets": written.tickets,
            "events": written.events,
            "comments": written.comments,
            "visits": counts["visits"] + planned["visits"],
        },
        "password": company.PASSWORD,
        "dispatchers": [p.email for p in made.dispatchers],
        "employees": [p.email for p in made.employees[size.api_tokens :]],
        "tokens": made.tokens,
        "heavy": written.heavy,
        "run": planned["run"],
        "board_visits": planned["visits"],
        "sites": list(made.sites),
        "categories": [c[0] for c in made.categories.values()],
        "searches": [*words.SEARCHES, *(str(rng.randint(1, size.tickets)) for _ in range(4))],
    }


def prepared(
    url: str,
    env: dict[str, str],
    size: company.Size,
    reuse: bool,
    folder: Path,
    create_app: Callable[[dict], Flask],
) -> Path:
    """The company's database at ``url`` (made anew unless ``reuse`` finds it made) and the
    path of the scenarios' data; ``create_app`` is the entry point's application factory."""
    data = folder / f"{url.rsplit('/', 1)[1]}.json"
    if reuse and data.exists() and json.loads(data.read_text())["size"] == size.__dict__:
        print(f"  reusing {url.rsplit('/', 1)[1]} as it is")
        return data
    made = generate(url, env, size, lambda url: create_app(app_settings(url)))
    data.write_text(json.dumps(made, ensure_ascii=False))
    return data
