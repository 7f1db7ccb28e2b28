"""Attachment storage: in the database, every web process serves every file, streamed a chunk
at a time; whatever the storage, a use case that fails leaves no content behind."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc

import pytest
from sqlalchemy import create_engine, event, text
from werkzeug.datastructures import FileStorage

from dispatch import create_app
from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.tickets.attachments import store_uploads
from dispatch.tickets.models import Attachment, AttachmentChunk
from dispatch.tickets.services import add_comment
from dispatch.tickets.storage import CHUNK_BYTES, DatabaseStorage, FolderStorage
from tests.tickets.test_attachments import multipart, stored, upload

MIB = 1024 * 1024


@pytest.fixture
def other_machine(app, tmp_path):
    """A second web process with a folder of its own for attachments, on the same database."""

    def start(storage: str):
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "SERVER_NAME": "localhost",
                "ATTACHMENT_DIR": str(tmp_path / "other-machine" / "attachments"),
                "ATTACHMENT_STORAGE": storage,
            }
        )
        started.append(other)
        return other

    started: list = []
    yield start
    for other in started:
        with other.app_context():
            db.engine.dispose()


def download_elsewhere(other, user, password, att_id: int):
    client = other.test_client()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302
    return client.get(f"/attachments/{att_id}")


def pseudo_random(size: int) -> bytes:
    # Varied bytes (not one repeated value) so that a chunk out of order would show.
    return (bytes(range(251)) * (size // 251 + 1))[:size]


def test_two_machines_serve_each_others_attachments_from_the_database(
    app, client, auth, other_machine, password
):
    app.config["ATTACHMENT_STORAGE"] = "database"
    user = auth.login(role="employee")
    content = pseudo_random(300_000)
    response = upload(client, "/tickets/new", [("report.pdf", content)])
    assert response.status_code == 302
    [att] = stored()
    other = other_machine("database")
    assert other.config["ATTACHMENT_DIR"] != app.config["ATTACHMENT_DIR"]
    with download_elsewhere(other, user, password, att.id) as download:
        assert download.status_code == 200
        assert download.data == content
        assert download.headers["Content-Disposition"].startswith("inline;")
    # Nothing was written on either machine's disk.
    for machine in (app, other):
        folder = machine.config["ATTACHMENT_DIR"]
        assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_in_a_folder_another_machine_cannot_serve_the_file(
    app, client, auth, other_machine, password
):
    # What the database storage is for: the folder of one machine is not another's.
    user = auth.login(role="employee")
    upload(client, "/tickets/new", [("report.txt", b"on one disk")])
    [att] = stored()
    with download_elsewhere(other_machine("folder"), user, password, att.id) as download:
        assert download.status_code == 404


def test_a_large_file_round_trips_in_chunks_never_whole(app, client, auth):
    app.config["ATTACHMENT_STORAGE"] = "database"
    auth.login(role="employee")
    content = pseudo_random(5 * MIB + 123)
    upload(client, "/tickets/new", [("big.bin", content)])
    [att] = stored()
    assert att.size == len(content)
    sizes = db.session.scalars(
        db.select(db.func.length(AttachmentChunk.data))
        .filter_by(stored_name=att.stored_name)
        .order_by(AttachmentChunk.seq)
    ).all()
    assert sizes == [CHUNK_BYTES] * 5 + [123]

    assert sum(1 for _ in DatabaseStorage().chunks(att.stored_name)) == 6
    # Read the way a download is sent (send_file reads the file in small blocks).
    digest = hashlib.sha256()
    tracemalloc.start()
    try:
        with DatabaseStorage().open(att.stored_name) as file:
            while block := file.read(8192):
                digest.update(block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == hashlib.sha256(content).hexdigest()
    assert peak < 1.5 * MIB, f"reading held {peak / MIB:.1f} MiB at once"

    with client.get(f"/attachments/{att.id}") as download:
        assert download.headers["Content-Length"] == str(len(content))
        assert download.data == content


def test_storing_reads_the_upload_chunk_by_chunk(app, make_ticket):
    app.config["ATTACHMENT_STORAGE"] = "database"
    content = pseudo_random(6 * MIB)
    ticket = make_ticket()
    tracemalloc.start()
    try:
        add_comment(
            ticket,
            ticket.requester,
            "the log",
            files=[FileStorage(io.BytesIO(content), filename="big.log")],
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert db.session.scalar(db.select(db.func.count()).select_from(AttachmentChunk)) == 6
    assert peak < 4 * MIB, f"storing held {peak / MIB:.1f} MiB at once"


def bump_version_elsewhere(app, ticket) -> None:
    """Someone else saves the ticket meanwhile (another connection, another transaction)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    bump = text("UPDATE ticket SET version = version + 1 WHERE id = :id")
    with engine.begin() as conn:
        conn.execute(bump, {"id": ticket.id})
    engine.dispose()


@pytest.mark.parametrize("storage", ["folder", "database"])
def test_content_of_a_use_case_that_fails_at_commit_is_not_kept(app, make_ticket, storage):
    app.config["ATTACHMENT_STORAGE"] = storage
    ticket = make_ticket()
    bump_version_elsewhere(app, ticket)
    with pytest.raises(Conflict):
        add_comment(
            ticket,
            ticket.requester,
            "here is the photo",
            files=[FileStorage(io.BytesIO(b"photo"), filename="photo.png")],
        )
    assert db.session.scalars(db.select(Attachment)).all() == []
    assert db.session.scalars(db.select(AttachmentChunk)).all() == []
    folder = app.config["ATTACHMENT_DIR"]
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def test_files_of_a_committed_use_case_stay(app, client, auth):
    # The cleanup of failed use cases never touches what was committed, later ones included.
    auth.login(role="employee")
    upload(client, "/tickets/new", [("kept.txt", b"kept")])
    ticket_id = stored()[0].ticket_id
    multipart(client, f"/tickets/{ticket_id}/comment", [("also.txt", b"also")], body="more")
    db.session.rollback()
    first, second = stored()
    assert sorted(os.listdir(app.config["ATTACHMENT_DIR"])) == sorted(
        [first.stored_name, second.stored_name]
    )
    with client.get(f"/attachments/{second.id}") as download:
        assert download.data == b"also"


def test_moving_the_folder_into_the_database(app, client, auth, runner):
    auth.login(role="employee")
    upload(client, "/tickets/new", [("a.txt", b"alpha"), ("b.txt", b"bravo"), ("c.txt", b"c")])
    first, second, third = stored()
    folder = app.config["ATTACHMENT_DIR"]
    with open(os.path.join(folder, second.stored_name), "wb") as damaged:
        damaged.write(b"changed on disk")
    os.remove(os.path.join(folder, third.stored_name))

    result = runner.invoke(args=["attachments", "migrate-to-database"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "1 moved, 0 already in the database, 1 missing from " + folder + ", 1 left in place"
    )
    assert os.listdir(folder) == [second.stored_name]  # the damaged one stays for a person
    app.config["ATTACHMENT_STORAGE"] = "database"
    with client.get(f"/attachments/{first.id}") as download:
        assert download.data == b"alpha"

    # Run again after a stop between a commit and the removal of the file: nothing twice.
    with open(os.path.join(folder, first.stored_name), "wb") as again:
        again.write(b"alpha")
    os.remove(os.path.join(folder, second.stored_name))
    result = runner.invoke(args=["attachments", "migrate-to-database"])
    assert result.output.startswith("0 moved, 1 already in the database, 2 missing")
    assert os.listdir(folder) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(AttachmentChunk)) == 1


@pytest.fixture
def chunk_reads(app):
    """The statements that read attachment content (not its metadata) from the database."""
    reads = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "attachment_chunk.data" in statement.lower():
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    yield reads
    event.remove(db.engine, "before_cursor_execute", seen)


def test_a_head_or_a_not_modified_answer_reads_no_content(app, client, auth, chunk_reads):
    app.config["ATTACHMENT_STORAGE"] = "database"
    auth.login(role="employee")
    content = pseudo_random(CHUNK_BYTES + 10)
    upload(client, "/tickets/new", [("two-chunks.bin", content)])
    [att] = stored()
    chunk_reads.clear()
    with client.head(f"/attachments/{att.id}") as head:
        assert head.status_code == 200
        assert head.headers["Content-Length"] == str(len(content))
    with client.get(f"/attachments/{att.id}", headers={"If-None-Match": f'"{att.sha256}"'}) as r:
        assert r.status_code == 304
    assert chunk_reads == []
    # A plain download still reads them, one chunk at a time.
    with client.get(f"/attachments/{att.id}") as download:
        assert download.data == content
    assert len(chunk_reads) >= 2


def test_a_head_of_content_no_longer_stored_is_not_found(app, client, auth):
    app.config["ATTACHMENT_STORAGE"] = "database"
    auth.login(role="employee")
    upload(client, "/tickets/new", [("gone.txt", b"gone")])
    [att] = stored()
    db.session.execute(db.delete(AttachmentChunk).filter_by(stored_name=att.stored_name))
    db.session.commit()
    assert client.head(f"/attachments/{att.id}").status_code == 404
    assert client.get(f"/attachments/{att.id}").status_code == 404


def files_in(folder: str) -> set[str]:
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_a_rolled_back_savepoint_takes_its_files_with_it(app):
    storage = FolderStorage(app.config["ATTACHMENT_DIR"])
    kept = storage.put([b"kept"])
    savepoint = db.session.begin_nested()
    dropped = storage.put([b"dropped"])
    inner = db.session.begin_nested()
    storage.put([b"dropped too"])
    inner.commit()  # released into the savepoint, which then rolls back
    savepoint.rollback()
    assert kept in files_in(storage.folder) and dropped not in files_in(storage.folder)
    db.session.commit()
    assert files_in(storage.folder) == {kept}


def test_a_released_savepoint_stands_or_falls_with_its_transaction(app):
    storage = FolderStorage(app.config["ATTACHMENT_DIR"])
    with db.session.begin_nested():
        lost = storage.put([b"lost"])
    db.session.rollback()
    assert lost not in files_in(storage.folder)
    with db.session.begin_nested():
        kept = storage.put([b"kept"])
    db.session.commit()
    db.session.rollback()  # a later transaction that fails does not touch it
    assert files_in(storage.folder) == {kept}


def test_a_use_case_in_a_savepoint_that_fails_leaves_no_file(app, make_ticket):
    ticket = make_ticket()
    savepoint = db.session.begin_nested()
    store_uploads(ticket, ticket.requester, [FileStorage(io.BytesIO(b"x"), filename="x.txt")])
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert files_in(app.config["ATTACHMENT_DIR"]) == set()
    assert db.session.scalars(db.select(Attachment)).all() == []
