"""``flask directory sync [--dry-run]`` and ``flask directory adopt EMAIL``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.audit.record import command_line
from dispatch.directory import client
from dispatch.directory.adopt import AdoptError, adopt
from dispatch.directory.settings import from_config
from dispatch.directory.sync import sync

directory_cli = AppGroup("directory", help="The company directory (LDAP, Active Directory).")


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


def register(app: Flask) -> None:
    app.cli.add_command(directory_cli)
