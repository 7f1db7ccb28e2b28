"""`flask attachments sweep`: stored content no attachment owns is listed, and deleted only
when asked."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, insert, select

from dispatch.extensions import db
from dispatch.tickets.models import AttachmentChunk
from tests.tickets.test_attachments import stored, upload

ORPHAN = "0123456789abcdef0123456789abcdef"


def age(path: str, seconds: int = 2 * 3600) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def folder(app, client, auth):
    """The folder storage with one attachment that is owned, an old orphan file, a fresh one
    (an upload may still be under way) and a file that is not the storage's."""
    auth.login(role="employee")
    upload(client, "/tickets/new", [("kept.txt", b"kept")])
    path = app.config["ATTACHMENT_DIR"]
    for name, content in ((ORPHAN, b"orphan"), ("f" * 32, b"fresh"), ("README", b"mine")):
        with open(os.path.join(path, name), "wb") as out:
            out.write(content)
    for name in (ORPHAN, stored()[0].stored_name, "README"):
        age(os.path.join(path, name))
    return path


def chunk_keys() -> list[str]:
    return list(db.session.scalars(select(AttachmentChunk.stored_name).distinct()))


def test_dry_run_lists_and_deletes_nothing(runner, folder):
    before = sorted(os.listdir(folder))
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0, result.output
    assert f"Would delete file {os.path.join(folder, ORPHAN)} (6 bytes)" in result.output
    assert "f" * 32 not in result.output and "README" not in result.output
    assert stored()[0].stored_name not in result.output
    assert "run again with --delete" in result.output
    assert sorted(os.listdir(folder)) == before


def test_delete_removes_only_the_orphans(runner, folder):
    result = runner.invoke(args=["attachments", "sweep", "--delete"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) and 0 database content(s)" in result.output and "deleted" in result.output
    assert sorted(os.listdir(folder)) == sorted(["f" * 32, "README", stored()[0].stored_name])
    with open(os.path.join(folder, stored()[0].stored_name), "rb") as kept:
        assert kept.read() == b"kept"


def test_grace_period_can_be_shortened(runner, folder):
    result = runner.invoke(args=["attachments", "sweep", "--grace-minutes", "0", "--delete"])
    assert result.exit_code == 0, result.output
    assert "f" * 32 not in os.listdir(folder) and "README" in os.listdir(folder)


def test_orphan_content_in_the_database(app, runner, client, auth):
    app.config["ATTACHMENT_STORAGE"] = "database"
    auth.login(role="employee")
    upload(client, "/tickets/new", [("kept.txt", b"kept")])
    for seq in range(2):
        db.session.execute(insert(AttachmentChunk).values(stored_name=ORPHAN, seq=seq, data=b"xy"))
    db.session.commit()
    dry = runner.invoke(args=["attachments", "sweep"])
    assert f"Would delete database content {ORPHAN} (4 bytes)" in dry.output
    assert sorted(chunk_keys()) == sorted([ORPHAN, stored()[0].stored_name])
    done = runner.invoke(args=["attachments", "sweep", "--delete"])
    assert done.exit_code == 0 and "0 file(s) and 1 database content(s)" in done.output
    assert chunk_keys() == [stored()[0].stored_name]
    assert db.session.scalar(select(func.count()).select_from(AttachmentChunk)) == 1


def test_nothing_to_sweep(runner):
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0 and "0 file(s) and 0 database content(s)" in result.output
