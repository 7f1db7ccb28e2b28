"""``flask reports mail-summary`` (cron) and ``flask reports schedule`` (RQ)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.periodic_cli import options, schedule
from dispatch.reports import jobs
from dispatch.reports.summary import send_monthly
from dispatch.types import utcnow

reports_cli = AppGroup("reports", help="Reports: the monthly summary by mail.")


@reports_cli.command("mail-summary")
def mail_summary_command() -> None:
    """Mail last month's summary to the chosen addresses, unless it went already (run it from
    cron, daily or hourly)."""
    result = send_monthly(utcnow())
    if result.already:
        click.echo(f"the summary of {result.month} was sent already")
    elif not result.recipients:
        click.echo("nobody to send the summary to (Administration → Reports)")
    else:
        click.echo(f"the summary of {result.month} queued to {result.recipients} address(es)")


@reports_cli.command("schedule")
@options("runs", "REPORT_SUMMARY_INTERVAL")
def schedule_command(stop: bool, show: bool, interval: int | None) -> None:
    """Check every REPORT_SUMMARY_INTERVAL seconds on RQ whether last month's summary is to be
    mailed (needs a worker of RQ_MAIL_QUEUE started with --with-scheduler)."""
    cfg = current_app.config
    schedule(
        jobs.SUMMARY,
        cfg["RQ_MAIL_QUEUE"],
        interval or int(cfg["REPORT_SUMMARY_INTERVAL"]),
        600,
        stop=stop,
        show=show,
    )


def register(app: Flask) -> None:
    app.cli.add_command(reports_cli)
