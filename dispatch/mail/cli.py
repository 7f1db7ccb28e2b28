"""`flask mail …`: ingest (MTA pipe), fetch (IMAP), schedule (fetch on RQ), send (outbox),
retry (quarantine)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.extensions import db
from dispatch.mail import jobs
from dispatch.mail.admin import requeue_failed
from dispatch.mail.fetch import FetchError, fetch_once
from dispatch.mail.ingest import TemporaryFailure, ingest, retry
from dispatch.mail.models import Inbound, MailMessage
from dispatch.mail.outbound import deliver_pending, delivery_mode
from dispatch.periodic_cli import options, schedule

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and delivers it again later
CHUNK = 1024 * 1024

mail_cli = AppGroup("mail", help="The mail channel: ingest, fetch, schedule, send, retry.")


def register(app: Flask) -> None:
    app.cli.add_command(mail_cli)


def _hold_sending() -> bool:
    """A command is a short process: a sender thread would die with it, so the command sends
    what it queued itself before it exits (True) unless sending is left to RQ or cron."""
    if delivery_mode(current_app) in ("rq", "manual"):
        return False
    current_app.config["MAIL_DELIVERY"] = "manual"
    return True


def _send_queued() -> None:
    try:
        deliver_pending()
    except Exception as exc:  # the outbox keeps it; the next sender retries
        click.echo(f"mail: sending postponed: {exc}", err=True)


def _read_input(stream, limit: int) -> bytes:
    """Up to limit+1 bytes; the rest is read and dropped so that the MTA's pipe never breaks."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        while stream.read(CHUNK):
            pass
    return data


@mail_cli.command("ingest")
@click.pass_context
def ingest_cmd(ctx):
    """Store one message read on standard input (exit 75: try again later)."""
    send = _hold_sending()
    try:
        raw = _read_input(sys.stdin.buffer, current_app.config["MAIL_MAX_BYTES"])
        outcome = ingest(raw, source="pipe")
    except TemporaryFailure as exc:
        click.echo(f"mail ingest: temporary failure, try again later: {exc}", err=True)
        ctx.exit(EX_TEMPFAIL)
    except Exception as exc:  # whatever happened, the MTA must keep the message
        click.echo(f"mail ingest: {type(exc).__name__}: {exc}", err=True)
        ctx.exit(EX_TEMPFAIL)
    click.echo(
        f"{outcome.status} mail={outcome.mail_id} ticket={outcome.ticket_id or '-'}"
        + (f" ({outcome.reason})" if outcome.reason else "")
    )
    if send:
        _send_queued()


@mail_cli.command("fetch")
@click.pass_context
def fetch_cmd(ctx):
    """Poll the IMAP mailbox once (run it every minute from cron or RQ)."""
    send = _hold_sending()
    try:
        result = fetch_once()
    except (FetchError, TemporaryFailure) as exc:
        click.echo(f"mail fetch: {exc}", err=True)
        ctx.exit(EX_TEMPFAIL)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(result.outcomes.items()))
    click.echo(f"fetched {result.seen}" + (f": {summary}" if summary else ""))
    if send:
        _send_queued()


@mail_cli.command("schedule")
@options("fetches", "MAIL_FETCH_INTERVAL")
def schedule_cmd(stop, show, interval):
    """Fetch the IMAP mailbox (when MAIL_IMAP_HOST is set) and send what waits, every
    MAIL_FETCH_INTERVAL seconds on RQ (needs a worker started with --with-scheduler)."""
    cfg = current_app.config
    schedule(
        jobs.FETCH,
        cfg["RQ_MAIL_QUEUE"],
        interval or int(cfg["MAIL_FETCH_INTERVAL"]),
        int(cfg["MAIL_FETCH_TIMEOUT"]),
        stop=stop,
        show=show,
    )


@mail_cli.command("send")
@click.option("--failed", is_flag=True, help="Also try again the messages that gave up.")
def send_cmd(failed):
    """Send what is due in the outbox (for MAIL_DELIVERY=manual, from cron or RQ)."""
    if failed:
        requeue_failed()
    click.echo(f"handled {deliver_pending()}")


@mail_cli.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "all_", is_flag=True, help="Every message in quarantine.")
def retry_cmd(ids, all_):
    """Process quarantined messages again."""
    if all_:
        ids = db.session.scalars(
            db.select(MailMessage.id)
            .where(MailMessage.status == Inbound.QUARANTINE)
            .order_by(MailMessage.id)
        ).all()
    if not ids:
        raise click.UsageError("give message ids or --all")
    send = _hold_sending()
    for mail_id in ids:
        outcome = retry(mail_id)
        click.echo(
            f"{mail_id}: {outcome.status}" + (f" ({outcome.reason})" if outcome.reason else "")
        )
    if send:
        _send_queued()
