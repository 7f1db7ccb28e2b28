"""Flask commands. They call services, never views.

    flask --app wsgi user create EMAIL --role ROLE [--name NAME] [--department NAME] [--site NAME]
    flask --app wsgi token create EMAIL
    flask --app wsgi token revoke EMAIL

and the packages' own: ``flask mail …``, ``flask directory …``, ``flask people import``,
``flask plan``, ``flask attachments …``, ``flask assets import``, ``flask maintenance …``,
``flask reports …``, ``flask demo load``.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from dispatch import demo
from dispatch.assets import cli as assets_cli
from dispatch.audit.record import command_line
from dispatch.directory import cli as directory_cli
from dispatch.errors import DispatchError
from dispatch.mail import cli as mail_cli
from dispatch.maintenance import cli as maintenance_cli
from dispatch.people import cli as people_cli
from dispatch.people import services as people
from dispatch.planning import cli as planning_cli
from dispatch.reports import cli as reports_cli
from dispatch.tickets import cli as tickets_cli

user_cli = AppGroup("user", help="Manage user accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")


def _fail(err: DispatchError) -> None:
    click.echo(f"Error: {err.message}", err=True)
    sys.exit(1)


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """Prompted twice with hidden input at a terminal; otherwise one line from standard input,
    so that scripts can pipe it in (never as an argument: it would show in `ps` and history)."""
    if _stdin_is_tty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help="employee, agent, technician, dispatcher or admin.")
@click.option("--name", default=None, help="Display name (default: the part before @).")
@click.option("--department", default=None, help="Department name (created if missing).")
@click.option("--site", default=None, help="Name of an existing site.")
@click.option(
    "--locale", default=None, help="Their language, e.g. ro or en (default: their browser's)."
)
def create_user_command(
    email: str,
    role: str,
    name: str | None,
    department: str | None,
    site: str | None,
    locale: str | None,
) -> None:
    """Create a user; the password is read from standard input."""
    password = _read_password()
    try:
        user = people.create_user(
            email,
            role,
            password,
            name=name,
            department=department,
            site=site,
            actor=command_line(),
            locale=locale,
        )
    except DispatchError as err:
        _fail(err)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@user_cli.command("language")
@click.argument("email")
@click.argument("locale")
def user_language_command(email: str, locale: str) -> None:
    """Set the language of a user's pages and mail (e.g. ro, en; "" follows their browser)."""
    try:
        user = people.get_user_by_email(email)
        people.set_locale(user, locale)
    except DispatchError as err:
        _fail(err)
    click.echo(f"{user.email}: {user.locale or 'follows the browser'}.")


@token_cli.command("create")
@click.argument("email")
def create_token_command(email: str) -> None:
    """Create an API token for EMAIL and print it (it is shown only this once)."""
    try:
        token = people.create_token(people.get_user_by_email(email), command_line())
    except DispatchError as err:
        _fail(err)
    click.echo(token)


@token_cli.command("revoke")
@click.argument("email")
def revoke_tokens_command(email: str) -> None:
    """Revoke every API token of EMAIL."""
    try:
        count = people.revoke_tokens(people.get_user_by_email(email), actor=command_line())
    except DispatchError as err:
        _fail(err)
    click.echo(f"Revoked {count} token(s) of {email}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(token_cli)
    mail_cli.register(app)
    directory_cli.register(app)
    reports_cli.register(app)
    people_cli.register(app)
    planning_cli.register(app)
    tickets_cli.register(app)
    demo.register(app)
    assets_cli.register(app)
    maintenance_cli.register(app)
