"""Where attachments' content lives: a folder of the instance (the embedded default) or the
application database (``ATTACHMENT_STORAGE = "database"``), which every web machine sees.

Both take the content as an iterable of byte strings and give it back as a readable binary
file, a piece at a time, so that no file is ever held whole in memory. What is stored belongs
to the caller's transaction: in the database the pieces are rows of it; in a folder, the files
written in a transaction (or a savepoint) that ends without committing are removed when it
ends, and ``flask attachments sweep`` finds what a crash left behind.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from dispatch.extensions import db
from dispatch.tickets.models import Attachment, AttachmentChunk

#: The largest piece of content stored in one database row.
CHUNK_BYTES = 1024 * 1024
# Files a folder storage wrote, by the transaction they belong to (the outermost one or a
# savepoint), and the transactions that committed; kept in Session.info.
_WRITTEN = "attachment_files_written"
_COMMITTED = "attachment_transactions_committed"


class Missing(Exception):
    """No content is stored under this key."""


class FolderStorage:
    """One file per attachment, named by its key, in ``folder``."""

    def __init__(self, folder: str):
        self.folder = folder

    def put(self, chunks: Iterable[bytes]) -> str:
        """Write the content to a new file and return its key; a failure leaves no file."""
        os.makedirs(self.folder, exist_ok=True)
        key = secrets.token_hex(16)
        path = os.path.join(self.folder, key)
        try:
            with open(path, "xb") as out:
                for chunk in chunks:
                    out.write(chunk)
        except BaseException:
            _remove(path)
            raise
        session = db.session()
        if not session.in_transaction():
            session.begin()  # the file belongs to the transaction that will hold its row
        written = session.info.setdefault(_WRITTEN, {})
        written.setdefault(_innermost(session), []).append(path)
        return key

    def open(self, key: str) -> BinaryIO:
        """The content as a binary file; Missing if the file is not there."""
        try:
            return open(os.path.join(self.folder, key), "rb")
        except FileNotFoundError:
            raise Missing(key) from None

    def delete(self, key: str) -> None:
        """Remove the file, if it is there."""
        _remove(os.path.join(self.folder, key))


class DatabaseStorage:
    """Rows of ``attachment_chunk``, CHUNK_BYTES at most each, in the application database."""

    def put(self, chunks: Iterable[bytes], key: str | None = None) -> str:
        """Insert the content in the session's transaction (the caller commits, or rolls back
        on failure) and return its key, a new one unless ``key`` is given."""
        key = key or secrets.token_hex(16)
        seq = 0
        for chunk in chunks:
            for start in range(0, len(chunk), CHUNK_BYTES):
                piece = chunk if len(chunk) <= CHUNK_BYTES else chunk[start : start + CHUNK_BYTES]
                db.session.execute(
                    insert(AttachmentChunk).values(stored_name=key, seq=seq, data=piece)
                )
                seq += 1
        if seq == 0:  # an empty file still has a row: no row means no content
            db.session.execute(insert(AttachmentChunk).values(stored_name=key, seq=0, data=b""))
        return key

    def open(self, key: str) -> BinaryIO:
        """The content as a binary file read chunk by chunk; Missing if there is none."""
        return ChunkReader(self.chunks(key))

    def chunks(self, key: str) -> Iterator[bytes]:
        """The content's chunks in order, each read when asked for; Missing if there is none.

        Only whether the content exists is asked now: an answer that sends no body (a HEAD, a
        304 Not Modified) reads none of it. Each chunk is read on a connection of its own,
        outside the request's session: the response is sent after the request's context (and
        its session) has ended, and a slow download then holds no connection of the pool
        between two chunks.
        """
        if not self.has(key):
            raise Missing(key)
        return _chunks(db.engine, key)

    def has(self, key: str) -> bool:
        """Whether content is stored under ``key``."""
        found = db.session.execute(
            select(AttachmentChunk.seq).where(
                AttachmentChunk.stored_name == key, AttachmentChunk.seq == 0
            )
        ).first()
        return found is not None


def _chunk(engine: Engine, key: str, seq: int) -> bytes | None:
    with engine.connect() as conn:
        return conn.execute(
            select(AttachmentChunk.data).where(
                AttachmentChunk.stored_name == key, AttachmentChunk.seq == seq
            )
        ).scalar()


def _chunks(engine: Engine, key: str) -> Iterator[bytes]:
    seq = 0
    data = _chunk(engine, key, seq)
    while data is not None:
        yield data
        # Let go of the chunk just sent before reading the next: one in memory at a time.
        data = None
        seq += 1
        data = _chunk(engine, key, seq)


_NOTHING = memoryview(b"")


class ChunkReader(io.RawIOBase):
    """A readable binary file over an iterator of byte strings (what ``send_file`` streams)."""

    def __init__(self, chunks: Iterator[bytes]):
        super().__init__()
        self._chunks = chunks
        self._rest = _NOTHING

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            self._rest = _NOTHING  # an empty slice would still hold the whole chunk
            following = next(self._chunks, None)
            if following is None:
                return 0
            self._rest = memoryview(following)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


def attachment_storage() -> FolderStorage | DatabaseStorage:
    """The storage ATTACHMENT_STORAGE names: "folder" (ATTACHMENT_DIR) or "database"."""
    if current_app.config["ATTACHMENT_STORAGE"] == "database":
        return DatabaseStorage()
    return FolderStorage(current_app.config["ATTACHMENT_DIR"])


def move_to_database(folder: FolderStorage, database: DatabaseStorage) -> dict[str, int]:
    """Copy every attachment whose file is in ``folder`` into the database, one commit per
    file, and remove the file once its copy is committed. Safe to run again: what is already
    in the database is skipped. Returns how many were moved, already there, missing from the
    folder, or left in place because the file no longer matches its recorded checksum."""
    counts = {"moved": 0, "already": 0, "missing": 0, "damaged": 0}
    rows = db.session.execute(
        select(Attachment.stored_name, Attachment.sha256).order_by(Attachment.id)
    ).all()
    for key, sha256 in rows:
        if database.has(key):
            counts["already"] += 1
            folder.delete(key)
            continue
        try:
            file = folder.open(key)
        except Missing:
            counts["missing"] += 1
            continue
        digest = hashlib.sha256()
        with file:
            database.put(_hashed(iter(lambda f=file: f.read(CHUNK_BYTES), b""), digest), key)
        if digest.hexdigest() != sha256:
            db.session.rollback()
            counts["damaged"] += 1
            continue
        db.session.commit()
        folder.delete(key)
        counts["moved"] += 1
    return counts


def _hashed(chunks: Iterable[bytes], digest) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _innermost(session: Session) -> SessionTransaction:
    """The savepoint being written in, or else the outermost transaction."""
    return session.get_nested_transaction() or session.get_transaction()


def _owner(transaction: SessionTransaction) -> SessionTransaction:
    """The savepoint or outermost transaction that ``transaction`` is part of (the ORM opens
    plain subtransactions of its own, e.g. while flushing)."""
    while not (transaction.nested or transaction.parent is None):
        transaction = transaction.parent
    return transaction


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    # Called for the outermost transaction and for each savepoint released, while it is still
    # the innermost one.
    session.info.setdefault(_COMMITTED, set()).add(_innermost(session))


@event.listens_for(Session, "after_transaction_end")
def _settle_files(session: Session, transaction: SessionTransaction) -> None:
    committed = transaction in session.info.get(_COMMITTED, ())
    session.info.get(_COMMITTED, set()).discard(transaction)
    paths = session.info.get(_WRITTEN, {}).pop(transaction, None)
    if not paths:
        return
    if not committed:
        # Rolled back (a savepoint, or the whole transaction) or closed without a commit: the
        # files belong to nothing that was saved.
        for path in paths:
            _remove(path)
    elif transaction.parent is not None:
        # A released savepoint: its files now stand or fall with the transaction around it.
        session.info[_WRITTEN].setdefault(_owner(transaction.parent), []).extend(paths)
