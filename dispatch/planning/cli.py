"""``flask plan``: plan days from the command line, as the board does, and print a JSON summary.

    flask --app wsgi plan --date YYYY-MM-DD [--days N] [--publish] [--problem-out FILE]
                          [--plan-out FILE] [--time-limit SECONDS] [--site ID ...]

``--problem-out`` / ``--plan-out`` write the VROOM-format problem and plan that were solved, so
that ``python -m dispatch.routing solve -i FILE`` reproduces the result outside the app.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask import Flask
from flask.cli import with_appcontext

from dispatch.errors import DispatchError
from dispatch.extensions import db

from . import services
from .engine_reasons import say
from .models import RunStatus
from .runs import execute, start_run


def summary(run) -> dict:
    result = run.result or {}
    return {
        "run": run.id,
        "status": str(run.status),
        "first_day": run.first_day.isoformat(),
        "days": run.days,
        "message": run.message,
        "visits_planned": result.get("summary", {}).get("visits", 0),
        "travel_minutes": result.get("summary", {}).get("travel_minutes", 0),
        "unassigned": [
            {"ticket": u.get("number"), "reason": say(u.get("reason"))}
            for u in result.get("unassigned", [])
        ],
        "notes": [say(note) for note in result.get("notes", [])],
    }


def _write(path: str | None, document) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)


@click.command("plan")
@click.option("--date", "day", required=True, help="First day to plan (YYYY-MM-DD).")
@click.option("--days", default=1, show_default=True, type=int, help="How many days.")
@click.option("--site", "sites", multiple=True, type=int, help="Only this site id (repeatable).")
@click.option("--region", default="", help="Only sites in this city.")
@click.option("--time-limit", type=int, default=None, help="Engine time limit in seconds.")
@click.option("--publish", is_flag=True, help="Publish the plan (schedules the tickets).")
@click.option("--problem-out", type=click.Path(dir_okay=False), help="Write the VROOM problem.")
@click.option("--plan-out", type=click.Path(dir_okay=False), help="Write the VROOM plan.")
@with_appcontext
def plan_command(day, days, sites, region, time_limit, publish, problem_out, plan_out):
    """Plan technicians' visits for the given days and print a JSON summary."""
    try:
        first = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--date") from None
    try:
        run = start_run(
            None,
            first,
            days,
            site_ids=sites,
            region=region,
            time_limit=time_limit,
            background=False,
        )
        execute(run.id)
        db.session.expire_all()
        run = services.get_run(run.id)
        if run.status == RunStatus.DONE and publish:
            services.publish(run, None)
    except DispatchError as err:
        click.echo(json.dumps({"error": err.message}), err=False)
        sys.exit(1)
    _write(problem_out, run.problem)
    _write(plan_out, (run.result or {}).get("plan"))
    click.echo(json.dumps(summary(run), indent=1))
    if run.status not in (RunStatus.DONE, RunStatus.PUBLISHED):
        sys.exit(1)


def register(app: Flask) -> None:
    app.cli.add_command(plan_command)
