"""What of a message goes into a ticket: its attachments as uploads, its text within the
ticket's limits, and the site it names."""

from __future__ import annotations

import io
import re
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from dispatch.extensions import db
from dispatch.mail.parse import ParsedMail
from dispatch.sites.models import Site

SHORTENED = "\n\n[…] (shortened: the whole message is kept with the original mail)"


def oversized_attachment(mail: ParsedMail) -> str:
    """Why the mail's attachments cannot be stored (one is over the limit), or ''."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    for part in mail.attachments:
        if len(part.data) > limit:
            return f"attachment over the limit of {limit // (1024 * 1024)} MB"
    return ""


def attachment_files(mail: ParsedMail) -> tuple[list[FileStorage], str]:
    """The attachments as uploads (up to the per-ticket limit) and a note on those left out."""
    limit = current_app.config["ATTACHMENT_MAX_FILES"]
    parts = [p for p in mail.attachments if p.data]
    files = [
        FileStorage(
            stream=io.BytesIO(p.data), filename=p.name or "attachment", content_type=p.content_type
        )
        for p in parts[:limit]
    ]
    extra = len(parts) - limit
    note = f"\n\n({extra} more attachment(s) are kept with the original mail.)" if extra > 0 else ""
    return files, note


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying so at the end."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - len(SHORTENED)] + SHORTENED


def site_named(text: str) -> int | None:
    """The one active site the text names (by name or code); None if none or several."""
    hay = text[:5000].lower()
    found = set()
    rows = db.session.execute(select(Site.id, Site.name, Site.code).where(Site.active.is_(True)))
    for site_id, name, code in rows:
        for word in (name, code):
            # The substring test is exact for what the regex then confirms (a whole word), and
            # spares a regex search for the sites the text does not mention at all.
            word = (word or "").lower()
            if len(word) >= 3 and word in hay and _whole_word(word).search(hay):
                found.add(site_id)
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1024)
def _whole_word(word: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
