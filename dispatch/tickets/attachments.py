"""Attachments: stored under generated names (in the storage ATTACHMENT_STORAGE names),
served so that browsers never run them."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from dispatch.errors import DispatchError, NotFound, ValidationError, megabytes
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import record
from dispatch.tickets.models import Attachment, Comment, Ticket
from dispatch.tickets.storage import CHUNK_BYTES, Missing, attachment_storage
from dispatch.types import utcnow

# Types a browser may show inline without running anything; everything else downloads.
INLINE_SAFE = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}
)


class TooLarge(DispatchError):
    status = 413


class QuotaExceeded(TooLarge):
    """The upload would take its uploader over ATTACHMENT_QUOTA_BYTES_PER_DAY."""

    def __init__(self, quota: int, left: int):
        super().__init__(
            _(
                "These files would go over your upload limit of %(quota)s MB a day: "
                "%(left)s MB is left (what you uploaded in the last 24 hours counts).",
                quota=megabytes(quota),
                left=megabytes(left),
            ),
            field="attachments",
        )
        self.details = {"quota_bytes": quota, "left_bytes": left}


def quota_left(user: User) -> int | None:
    """How many bytes ``user`` may still upload (None: there is no quota). The quota counts
    what they uploaded in the last 24 hours, whatever ticket it went to."""
    quota = current_app.config.get("ATTACHMENT_QUOTA_BYTES_PER_DAY")
    if quota is None:
        return None
    used = db.session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.uploaded_by_id == user.id,
            Attachment.created_at >= utcnow() - timedelta(days=1),
        )
    )
    return max(quota - int(used or 0), 0)


def display_name(filename: str | None) -> str:
    """The uploader's file name as text only: no folders, no control characters."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if c.isprintable()).strip(" .")
    return name[:200] or "file"


def store_uploads(
    ticket: Ticket, uploader: User, files: Iterable[FileStorage], comment: Comment | None = None
) -> list[Attachment]:
    """Store each upload (see ``storage``) and add its row; the caller commits, or rolls back
    on failure, which takes the stored content away with it. Past ATTACHMENT_MAX_BYTES for
    one file, or the uploader's daily quota for all of them, TooLarge is raised."""
    files = [f for f in files if f is not None and f.filename]
    limit_n = current_app.config["ATTACHMENT_MAX_FILES"]
    if len(files) > limit_n:
        raise ValidationError(_("At most %(n)d files at once.", n=limit_n), field="attachments")
    if not files:
        return []
    storage = attachment_storage()
    budget = _Budget(quota_left(uploader), current_app.config["ATTACHMENT_QUOTA_BYTES_PER_DAY"])
    rows: list[Attachment] = []
    for upload in files:
        read = _LimitedRead(upload, current_app.config["ATTACHMENT_MAX_BYTES"], budget)
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


class _Budget:
    """What the uploader may still upload in this request (``left`` None: no quota)."""

    def __init__(self, left: int | None, quota: int | None):
        self.left, self.quota, self.used = left, quota, 0

    def spend(self, n: int) -> None:
        self.used += n
        if self.left is not None and self.used > self.left:
            raise QuotaExceeded(self.quota, self.left)


class _LimitedRead:
    """An upload's content, a chunk at a time, counted and hashed as the storage reads it;
    past ATTACHMENT_MAX_BYTES, or past what the budget has left, it raises TooLarge naming
    the limit."""

    def __init__(self, upload: FileStorage, limit: int, budget: _Budget):
        self.upload, self.limit, self.budget = upload, limit, budget
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
            self.budget.spend(len(chunk))
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
