"""Attachments: stored under generated names (in the storage ATTACHMENT_STORAGE names),
served so that browsers never run them."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from dispatch.errors import DispatchError, NotFound, ValidationError, megabytes
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import record
from dispatch.tickets.models import Attachment, Comment, Ticket
from dispatch.tickets.storage import CHUNK_BYTES, Missing, attachment_storage

# Types a browser may show inline without running anything; everything else downloads.
INLINE_SAFE = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


class TooLarge(DispatchError):
    status = 413


def display_name(filename: str | None) -> str:
    """The uploader's file name as text only: no folders, no control characters."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if c.isprintable()).strip(" .")
    return name[:200] or "file"


def store_uploads(
    ticket: Ticket, uploader: User, files: Iterable[FileStorage], comment: Comment | None = None
) -> list[Attachment]:
    """Store each upload (see ``storage``) and add its row; the caller commits, or rolls back
    on failure, which takes the stored content away with it."""
    files = [f for f in files if f is not None and f.filename]
    limit_n = current_app.config["ATTACHMENT_MAX_FILES"]
    if len(files) > limit_n:
        raise ValidationError(_("At most %(n)d files at once.", n=limit_n), field="attachments")
    storage = attachment_storage()
    rows: list[Attachment] = []
    for upload in files:
        read = _LimitedRead(upload, current_app.config["ATTACHMENT_MAX_BYTES"])
        stored = storage.put(read)
        name = display_name(upload.filename)
        row = Attachment(
            ticket=ticket,
            comment=comment,
            uploaded_by_id=uploader.id,
            original_name=name,
            stored_name=stored,
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            size=read.size,
            sha256=read.digest.hexdigest(),
        )
        db.session.add(row)
        rows.append(row)
    if rows:
        db.session.flush()
        record(
            ticket,
            uploader,
            "attachments",
            files=[r.original_name for r in rows],
            internal=bool(comment and comment.internal),
        )
    return rows


class _LimitedRead:
    """An upload's content, a chunk at a time, counted and hashed as the storage reads it;
    past ATTACHMENT_MAX_BYTES it raises TooLarge naming the limit."""

    def __init__(self, upload: FileStorage, limit: int):
        self.upload, self.limit = upload, limit
        self.size, self.digest = 0, hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.upload.stream.read(CHUNK_BYTES):
            self.size += len(chunk)
            if self.size > self.limit:
                raise TooLarge(
                    _(
                        "%(name)s is larger than the limit of %(mb)s MB.",
                        name=display_name(self.upload.filename),
                        mb=megabytes(self.limit),
                    ),
                    field="attachments",
                )
            self.digest.update(chunk)
            yield chunk


def open_attachment(att: Attachment) -> BinaryIO:
    """The attachment's content as a binary file; NotFound if its content is gone."""
    try:
        return attachment_storage().open(att.stored_name)
    except Missing:
        raise NotFound(_("This file is no longer stored.")) from None


def served_inline(att: Attachment) -> bool:
    return att.content_type in INLINE_SAFE
