"""``flask people import FILE.csv [--dry-run] [--no-welcome]``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from dispatch.audit.record import command_line
from dispatch.errors import ValidationError
from dispatch.people import csv_import

people_cli = AppGroup("people", help="People in bulk.")


def _faults(faults: list[csv_import.Fault]) -> None:
    for fault in faults:
        column = f", column {fault.column}" if fault.column else ""
        click.echo(f"line {fault.line}{column}: {fault.message}", err=True)


@people_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check the file and print who would be created.")
@click.option("--no-welcome", is_flag=True, help="Send no welcome mails.")
def import_command(file, dry_run: bool, no_welcome: bool) -> None:
    """Create the people of a CSV file (name, email, department, site, role, language): all of
    them, or none when a row is wrong. Each gets a welcome mail with a set-password link."""
    try:
        text = csv_import.decode(file.read())
        if dry_run:
            checked = csv_import.check(text)
            if checked.faults:
                raise csv_import.ImportRefused(checked.faults)
            rows = checked.rows
        else:
            rows = csv_import.import_people(text, actor=command_line(), welcome=not no_welcome)
    except csv_import.ImportRefused as exc:
        _faults(exc.faults)
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    except ValidationError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    prefix = "would create" if dry_run else "created"
    for row in rows:
        click.echo(f"{prefix} {row.role} {row.email} ({row.name})")
    click.echo(f"{len(rows)} people {'would be ' if dry_run else ''}imported.")


def register(app: Flask) -> None:
    app.cli.add_command(people_cli)
