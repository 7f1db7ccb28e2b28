"""``flask maintenance generate [--today DATE]`` (cron) and ``flask maintenance schedule``
(RQ)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.periodic_cli import options, schedule

from . import jobs
from .generate import generate

maintenance_cli = AppGroup("maintenance", help="Preventive maintenance visits.")


@maintenance_cli.command("generate")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count from this day instead of today (YYYY-MM-DD).",
)
def generate_command(today) -> None:
    """Make the tickets of the visits that are due within their plans' lead time (each once,
    however many runs overlap)."""
    day: date | None = today.date() if today else None
    report = generate(day)
    click.echo(
        f"{report.made} visit(s) made, {report.existing} made already, "
        f"{report.skipped} skipped (retired assets), {report.stopped_plans} plan(s) stopped"
    )


@maintenance_cli.command("schedule")
@options("runs", "MAINTENANCE_INTERVAL")
def schedule_command(stop: bool, show: bool, interval: int | None) -> None:
    """Make the visits every MAINTENANCE_INTERVAL seconds on RQ (needs a worker of
    RQ_MAINTENANCE_QUEUE started with --with-scheduler)."""
    cfg = current_app.config
    schedule(
        jobs.GENERATE,
        cfg["RQ_MAINTENANCE_QUEUE"],
        interval or int(cfg["MAINTENANCE_INTERVAL"]),
        int(cfg["MAINTENANCE_TIMEOUT"]),
        stop=stop,
        show=show,
    )


def register(app: Flask) -> None:
    app.cli.add_command(maintenance_cli)
