"""``flask assets import FILE [--dry-run]``: the page's import, from a shell."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from dispatch.assets import csv_io
from dispatch.audit.record import command_line
from dispatch.errors import ValidationError

assets_cli = AppGroup("assets", help="The inventory of devices.")


@assets_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would do.")
def import_command(path: str, dry_run: bool) -> None:
    """Import assets from a CSV file: all rows or, with any problem, none."""
    try:
        with open(path, "rb") as f:
            preview = csv_io.read(csv_io.decode(f.read(csv_io.MAX_BYTES + 1)))
    except ValidationError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    for p in preview.problems:
        click.echo(f"line {p.line}, column {p.column or '-'}: {p.message}", err=True)
    if not preview.ok:
        click.echo("Nothing imported." if preview.problems else "The file has no rows.", err=True)
        sys.exit(1)
    updated = sum(1 for r in preview.rows if r.existing is not None)
    created = len(preview.rows) - updated
    if dry_run:
        click.echo(f"Would import {len(preview.rows)} assets: {created} new, {updated} updated.")
        return
    csv_io.save(preview, command_line())
    click.echo(f"Imported {len(preview.rows)} assets: {created} new, {updated} updated.")


def register(app: Flask) -> None:
    app.cli.add_command(assets_cli)
