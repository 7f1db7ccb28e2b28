"""Finding stored content that no attachment owns: files in the folder storage and pieces in
the database storage left by a process that died between writing and committing (a failed
use case removes its own files as it ends; a killed process cannot)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, select

from dispatch.extensions import db
from dispatch.tickets.models import Attachment, AttachmentChunk

#: The names the folder storage gives its files; anything else in the folder is not ours.
KEY = re.compile(r"^[0-9a-f]{32}$")
#: A file this recent may belong to an upload still under way: it is left alone.
GRACE_SECONDS = 3600
_BATCH = 500


@dataclass
class Orphans:
    files: list[tuple[str, int]] = field(default_factory=list)  # path, size
    chunks: list[tuple[str, int]] = field(default_factory=list)  # key, size

    @property
    def count(self) -> int:
        return len(self.files) + len(self.chunks)


def find_orphans(folder: str, *, grace_seconds: int = GRACE_SECONDS) -> Orphans:
    """Files of ``folder`` older than ``grace_seconds`` and content in the database, whose
    key no attachment has."""
    orphans = Orphans()
    candidates = _old_files(folder, time.time() - grace_seconds)
    owned: set[str] = set()
    names = sorted(candidates)
    for start in range(0, len(names), _BATCH):
        batch = names[start : start + _BATCH]
        owned.update(
            db.session.scalars(
                select(Attachment.stored_name).where(Attachment.stored_name.in_(batch))
            )
        )
    orphans.files = [(candidates[n][0], candidates[n][1]) for n in names if n not in owned]
    # Content in the database is written in the same transaction as its attachment row, so
    # pieces without a row are never an upload under way.
    orphans.chunks = [
        (key, int(size or 0))
        for key, size in db.session.execute(
            select(AttachmentChunk.stored_name, func.sum(func.length(AttachmentChunk.data)))
            .where(~exists().where(Attachment.stored_name == AttachmentChunk.stored_name))
            .group_by(AttachmentChunk.stored_name)
            .order_by(AttachmentChunk.stored_name)
        )
    ]
    return orphans


def _old_files(folder: str, before: float) -> dict[str, tuple[str, int]]:
    found: dict[str, tuple[str, int]] = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        if not KEY.match(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        stat = entry.stat(follow_symlinks=False)
        if stat.st_mtime < before:
            found[entry.name] = (entry.path, stat.st_size)
    return found


def delete_orphans(orphans: Orphans) -> None:
    """Remove what ``find_orphans`` found (the database's pieces in one commit)."""
    for path, _size in orphans.files:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    keys = [key for key, _size in orphans.chunks]
    for start in range(0, len(keys), _BATCH):
        db.session.execute(
            delete(AttachmentChunk).where(
                AttachmentChunk.stored_name.in_(keys[start : start + _BATCH]),
                ~exists().where(Attachment.stored_name == AttachmentChunk.stored_name),
            )
        )
    db.session.commit()
