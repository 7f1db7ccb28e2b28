"""``flask directory sync [--dry-run]``, ``flask directory schedule``, ``flask directory adopt
EMAIL`` and ``flask oidc link EMAIL``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.audit.record import command_line
from dispatch.directory import client, jobs, oidc_signin
from dispatch.directory.adopt import AdoptError, adopt
from dispatch.directory.settings import from_config
from dispatch.directory.sync import sync
from dispatch.periodic_cli import options, schedule

directory_cli = AppGroup("directory", help="The company directory (LDAP, Active Directory).")
oidc_cli = AppGroup("oidc", help="Single sign-on with the company account (OpenID Connect).")


def _settings():
    settings = from_config(current_app.config)
    if settings is None:
        click.echo("Error: LDAP_URL is not set: directory sign-in is off.", err=True)
        sys.exit(1)
    return settings


@directory_cli.command("sync")
@click.option("--dry-run", is_flag=True, help="Print what would change, change nothing.")
def sync_command(dry_run: bool) -> None:
    """Create, update and deactivate accounts from the directory (run it from cron)."""
    try:
        report = sync(_settings(), actor=command_line(), dry_run=dry_run)
    except client.DirectoryUnavailable as exc:
        click.echo(f"Error: the directory is unavailable: {exc}", err=True)
        sys.exit(1)
    prefix = "would have " if dry_run else ""
    for line in report.lines:
        click.echo(prefix + line)
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
    click.echo(f"{report.people} people in the directory: {prefix}{counts}.")


@directory_cli.command("adopt")
@click.argument("email")
def adopt_command(email: str) -> None:
    """Turn the local account EMAIL into a directory account (its password is dropped)."""
    try:
        user = adopt(_settings(), email, actor=command_line())
    except (AdoptError, client.DirectoryUnavailable) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{user.email} now signs in with the directory.")


@directory_cli.command("schedule")
@options("syncs", "LDAP_SYNC_INTERVAL")
def schedule_command(stop: bool, show: bool, interval: int | None) -> None:
    """Run the sync every LDAP_SYNC_INTERVAL seconds on RQ (needs a worker of
    RQ_DIRECTORY_QUEUE started with --with-scheduler)."""
    cfg = current_app.config
    if not (stop or show):
        _settings()  # refuse to schedule a sync that has no directory
    schedule(
        jobs.SYNC,
        cfg["RQ_DIRECTORY_QUEUE"],
        interval or int(cfg["LDAP_SYNC_INTERVAL"]),
        int(cfg["LDAP_SYNC_TIMEOUT"]),
        stop=stop,
        show=show,
    )


@oidc_cli.command("link")
@click.argument("email")
def link_command(email: str) -> None:
    """Let the local account EMAIL sign in with the company account (its password is dropped)."""
    if not oidc_signin.enabled():
        click.echo("Error: OIDC_ISSUER is not set: single sign-on is off.", err=True)
        sys.exit(1)
    try:
        user = oidc_signin.link(email, actor=command_line())
    except oidc_signin.LinkError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{user.email} now signs in with the company account (single sign-on).")


def register(app: Flask) -> None:
    app.cli.add_command(directory_cli)
    app.cli.add_command(oidc_cli)
