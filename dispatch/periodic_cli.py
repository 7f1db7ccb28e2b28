"""What ``flask mail schedule`` and ``flask directory schedule`` share: switching a periodic
job (:mod:`dispatch.periodic`) on or off, and saying whether it runs."""

from __future__ import annotations

import click

from dispatch.periodic import Periodic, connection
from dispatch.types import utcnow


def options(runs: str, setting: str):
    """The command's options: --stop, --status, --interval (default: the setting named)."""

    def decorate(command):
        command = click.option(
            "--interval",
            type=click.IntRange(min=1),
            default=None,
            help=f"Seconds between two {runs} (default {setting}).",
        )(command)
        command = click.option("--status", "show", is_flag=True, help="Only show whether it runs.")(
            command
        )
        return click.option("--stop", is_flag=True, help=f"Switch the periodic {runs} off.")(
            command
        )

    return decorate


def schedule(
    periodic: Periodic, queue: str, interval: int, timeout: int, *, stop: bool, show: bool
) -> None:
    try:
        conn = connection()
        if stop:
            cancelled = periodic.stop(conn, queue)
            click.echo(
                f"{periodic.label} stopped on queue {queue!r} ({cancelled} pending run(s) "
                "cancelled)"
            )
            return
        if not show and periodic.start(conn, queue, interval, timeout) is None:
            click.echo("a run is already pending: not adding another")
        state = periodic.status(conn, queue)
    except (RuntimeError, ValueError) as exc:  # no RQ_REDIS_URL; an interval below one second
        raise click.UsageError(str(exc)) from None
    except Exception as exc:  # Redis unreachable
        raise click.ClickException(f"RQ is unreachable: {type(exc).__name__}: {exc}") from None
    if state.interval is None:
        click.echo(f"{periodic.label} is not scheduled on queue {queue!r}")
        return
    nxt = (
        ", ".join(
            f"{job_id} " + (f"at {due:%Y-%m-%d %H:%M:%S} UTC" if due else "queued now")
            for job_id, due in state.pending
        )
        or "none pending"
    )
    click.echo(
        f"{periodic.label} every {state.interval} s on queue {queue!r}: {nxt}. "
        f"Workers: rq worker {queue} --with-scheduler"
    )
    if any(
        due and (utcnow() - due).total_seconds() > 2 * state.interval + 30
        for _job, due in state.pending
    ):
        click.echo("the next run is overdue: is a worker running with --with-scheduler?", err=True)
