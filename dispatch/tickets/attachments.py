"""Attachments: stored under generated names, served so that browsers never run them."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import secrets
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from dispatch.errors import DispatchError, ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets.changes import record
from dispatch.tickets.models import Attachment, Comment, Ticket

CHUNK = 64 * 1024
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
    """Write each upload to the attachment folder and add its row (caller commits).

    Files written before a failure are removed again, so nothing is half-stored.
    """
    files = [f for f in files if f is not None and f.filename]
    limit_n = current_app.config["ATTACHMENT_MAX_FILES"]
    if len(files) > limit_n:
        raise ValidationError(_("At most %(n)d files at once.", n=limit_n), field="attachments")
    folder = current_app.config["ATTACHMENT_DIR"]
    os.makedirs(folder, exist_ok=True)
    written: list[str] = []
    rows: list[Attachment] = []
    try:
        for upload in files:
            stored = secrets.token_hex(16)
            path = os.path.join(folder, stored)
            size, digest = _copy_limited(upload, path)
            written.append(path)
            name = display_name(upload.filename)
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            row = Attachment(
                ticket=ticket,
                comment=comment,
                uploaded_by_id=uploader.id,
                original_name=name,
                stored_name=stored,
                content_type=ctype,
                size=size,
                sha256=digest,
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
    except BaseException:
        for path in written:
            _silent_remove(path)
        raise
    return rows


def _copy_limited(upload: FileStorage, path: str) -> tuple[int, str]:
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    digest = hashlib.sha256()
    size = 0
    with open(path, "xb") as out:
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                _silent_remove(path)
                raise TooLarge(
                    _(
                        "%(name)s is larger than the limit of %(mb)d MB.",
                        name=display_name(upload.filename),
                        mb=limit // (1024 * 1024),
                    ),
                    field="attachments",
                )
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def _silent_remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def attachment_path(att: Attachment) -> str:
    return os.path.join(current_app.config["ATTACHMENT_DIR"], att.stored_name)


def served_inline(att: Attachment) -> bool:
    return att.content_type in INLINE_SAFE
