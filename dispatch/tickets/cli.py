"""`flask attachments …`: move the attachments of the instance folder into the database."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.tickets.storage import DatabaseStorage, FolderStorage, move_to_database

attachments_cli = AppGroup("attachments", help="Where attachments are stored.")


def register(app: Flask) -> None:
    app.cli.add_command(attachments_cli)


@attachments_cli.command("migrate-to-database")
def migrate_to_database_command() -> None:
    """Move every file of ATTACHMENT_DIR into the database (ATTACHMENT_STORAGE = "database").
    Safe to run again: what is already in the database is skipped."""
    folder = FolderStorage(current_app.config["ATTACHMENT_DIR"])
    counts = move_to_database(folder, DatabaseStorage())
    click.echo(
        f"{counts['moved']} moved, {counts['already']} already in the database, "
        f"{counts['missing']} missing from {folder.folder}, "
        f"{counts['damaged']} left in place (the file no longer matches its checksum)."
    )
    if counts["missing"] or counts["damaged"]:
        raise SystemExit(1)
