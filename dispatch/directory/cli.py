"""``flask directory sync [--dry-run]``, ``flask directory schedule``, ``flask directory adopt
EMAIL [LOGIN]``, ``flask oidc link EMAIL [--subject SUB]`` and ``flask directory unlink EMAIL``.
Linking and unlinking are the admin pages' services (dispatch.directory.links)."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.audit.record import command_line
from dispatch.directory import client, jobs, links, oidc_signin
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
@click.argument("login", required=False)
def adopt_command(email: str, login: str | None) -> None:
    """Link the local account EMAIL to the directory person LOGIN (by default the one with
    that address): its password is dropped and it takes the directory's details."""
    try:
        user = links.account_by_email(email)
        problems = links.link_directory(
            _settings(), user, login or user.email, actor=command_line()
        )
    except links.LinkRefused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    for problem in problems:
        click.echo(f"problem: {problem}")
    click.echo(f"{user.email} now signs in with the directory ({user.directory_dn}).")


@directory_cli.command("unlink")
@click.argument("email")
@click.option("--send-link", is_flag=True, help="Mail them a link to set a password.")
def unlink_command(email: str, send_link: bool) -> None:
    """Make the directory or single sign-on account EMAIL local again (it has no password
    until its owner sets one)."""
    try:
        user = links.account_by_email(email)
        links.unlink(user, actor=command_line(), send_password_link=send_link)
    except links.LinkRefused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    sent = " A link to set a password is on its way." if send_link else ""
    click.echo(f"{user.email} now signs in with a password of Dispatch.{sent}")


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
@click.option("--subject", default="", help="The person's subject (sub) at the provider.")
def link_command(email: str, subject: str) -> None:
    """Let the local account EMAIL sign in with the company account (its password is dropped);
    without --subject, its next single sign-on binds it."""
    if not oidc_signin.enabled():
        click.echo("Error: OIDC_ISSUER is not set: single sign-on is off.", err=True)
        sys.exit(1)
    try:
        user = links.account_by_email(email)
        links.link_sso(
            user, actor=command_line(), issuer=current_app.config["OIDC_ISSUER"], subject=subject
        )
    except links.LinkRefused as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"{user.email} now signs in with the company account (single sign-on).")


def register(app: Flask) -> None:
    app.cli.add_command(directory_cli)
    app.cli.add_command(oidc_cli)
