"""`flask attachments …`: move the attachments of the instance folder into the database, and
sweep away stored content that no attachment owns."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dispatch.tickets import sweep
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


@attachments_cli.command("sweep")
@click.option("--delete", "delete_", is_flag=True, help="Delete what is found (default: list it).")
@click.option(
    "--grace-minutes",
    default=sweep.GRACE_SECONDS // 60,
    show_default=True,
    type=click.IntRange(min=0),
    help="Leave files younger than this alone (an upload may still be under way).",
)
def sweep_command(delete_: bool, grace_minutes: int) -> None:
    """List the files of ATTACHMENT_DIR and the content in the database that no attachment
    owns; with --delete, delete them."""
    folder = current_app.config["ATTACHMENT_DIR"]
    orphans = sweep.find_orphans(folder, grace_seconds=grace_minutes * 60)
    verb = "Deleting" if delete_ else "Would delete"
    for path, size in orphans.files:
        click.echo(f"{verb} file {path} ({size} bytes)")
    for key, size in orphans.chunks:
        click.echo(f"{verb} database content {key} ({size} bytes)")
    if delete_:
        sweep.delete_orphans(orphans)
    total = sum(size for _name, size in orphans.files + orphans.chunks)
    summary = (
        f"{len(orphans.files)} file(s) and {len(orphans.chunks)} database content(s) "
        f"that no attachment owns, {total} bytes"
    )
    if delete_:
        click.echo(f"{summary}: deleted.")
    elif orphans.count:
        click.echo(f"{summary}. Nothing was deleted: run again with --delete to delete them.")
    else:
        click.echo(f"{summary}.")
