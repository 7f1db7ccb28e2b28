"""Reports benchmark: ``python -m dispatch.bench.reports [--tickets 100000] [--reuse]``.

Makes (or, with ``--reuse``, keeps) the web benchmark's company in a PostgreSQL database of its
own (``dispatch_bench_reports_<tickets>``), gives its tickets service levels (a default policy
and each ticket's business times, written set-based in SQL from its record: wall-clock time
stands for business time, which changes what the figures say, not what the queries read), then
times every report for the year up to today as the JSON API computes it, the best of
``--repeat`` runs, and prints one line per report with the 1 s target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from dispatch import create_app
from dispatch.bench import generate, server
from dispatch.bench.company import Size
from dispatch.bench.rows import plain_url
from dispatch.extensions import db
from dispatch.reports.catalog import REPORTS, Inputs, compute
from dispatch.reports.scope import whole_days

TARGET_SECONDS = 1.0

# The service levels the generator does not write: one policy for every ticket, its due times
# from the creation, the first response and resolution from the record.
SLA_FILL = """
INSERT INTO sla_policy (name, first_response_minutes, resolution_minutes, around_the_clock,
                        active)
SELECT 'Bench default', 240, 2880, true, true
WHERE NOT EXISTS (SELECT 1 FROM sla_policy WHERE name = 'Bench default');
WITH firsts AS (
    SELECT e.ticket_id, min(e.created_at) AS at
    FROM ticket_event e JOIN "user" u ON u.id = e.actor_id
    WHERE u.role <> 'employee' AND (e.type = 'status' OR (e.type = 'comment' AND NOT e.internal))
    GROUP BY e.ticket_id
)
UPDATE ticket t SET
    sla_policy_id = p.id,
    sla_first_response_due = t.created_at + interval '240 minutes',
    sla_first_response_at = x.at,
    sla_first_response_seconds = CAST(EXTRACT(EPOCH FROM x.at - t.created_at) AS INTEGER),
    sla_resolution_seconds = CAST(EXTRACT(EPOCH FROM
        coalesce(t.resolved_at, t.closed_at) - t.created_at) AS INTEGER),
    sla_resolution_due = CASE
        WHEN coalesce(t.resolved_at, t.closed_at) IS NULL
          OR coalesce(t.resolved_at, t.closed_at) > t.created_at + interval '2880 minutes'
        THEN t.created_at + interval '2880 minutes' END,
    sla_breached = coalesce(t.resolved_at, t.closed_at, now())
        > t.created_at + interval '2880 minutes'
FROM (SELECT ticket.id, firsts.at FROM ticket LEFT JOIN firsts ON firsts.ticket_id = ticket.id) x,
     sla_policy p
WHERE x.id = t.id AND p.name = 'Bench default' AND t.sla_policy_id IS NULL;
"""


def fill_service_levels(url: str) -> None:
    with psycopg.connect(plain_url(url)) as conn:
        conn.execute(SLA_FILL)
        conn.commit()
    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ticket")


def time_reports(url: str, repeat: int) -> list[tuple[str, int, float]]:
    """(report, rows, best seconds) of every report for the 365 days to today (UTC), computed
    as the API computes them, with all sites and no filter."""
    app = create_app(generate.app_settings(url))
    figures = []
    today = datetime.now(UTC).date()
    scope = whole_days(today - timedelta(days=364), today, ZoneInfo("UTC"))
    with app.test_request_context("/api/v1/reports/"):
        for name in REPORTS:
            best, rows = float("inf"), 0
            for _ in range(repeat):
                began = time.perf_counter()
                rows = len(compute(name, scope, Inputs(40.0, datetime.now(UTC))))
                best = min(best, time.perf_counter() - began)
                db.session.rollback()
            figures.append((name, rows, best))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch.bench.reports", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database", default=server.DEFAULT_DATABASE)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per report (the best counts)")
    parser.add_argument("--reuse", action="store_true", help="keep a company made earlier")
    parser.add_argument("--data-dir", default=tempfile.gettempdir())
    parser.add_argument(
        "--generate-only", action="store_true", help="make the company, time nothing"
    )
    args = parser.parse_args(argv)
    url = server.database_url(args.database, f"dispatch_bench_reports_{args.tickets}")
    env = server.app_environment(url, args.redis)
    print(f"# Reports on {args.tickets:,} tickets\n\n{server.machine(args.database, web=False)}")
    print("load average before: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    size = Size(tickets=args.tickets, seed=args.seed)
    generate.prepared(url, env, size, args.reuse, Path(args.data_dir), create_app)
    server.migrate(env)  # a company kept from an older schema gains the new columns
    fill_service_levels(url)
    if args.generate_only:
        return 0
    figures = time_reports(url, args.repeat)
    print(f"\n| report | rows | seconds (best of {args.repeat}) | ≤ {TARGET_SECONDS:g} s |")
    print("|---|---:|---:|---|")
    for name, rows, seconds in figures:
        met = "yes" if seconds <= TARGET_SECONDS else "NO"
        print(f"| `{name}` | {rows} | {seconds:.3f} | {met} |")
    print("load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0 if all(s <= TARGET_SECONDS for *_, s in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
