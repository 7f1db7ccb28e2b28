"""A ticket's history as the page shows it: events and comments in one timeline, internal
lines only for staff and marked as such."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dispatch.people.models import User
from dispatch.tickets.access import sees_as_staff
from dispatch.tickets.event_text import describe
from dispatch.tickets.models import Attachment, Comment, Ticket
from dispatch.tickets.sentences import Part, person


@dataclass
class Entry:
    at: datetime
    type: str
    parts: list[Part]
    details: list[tuple[str, list[Part]]] = field(default_factory=list)
    internal: bool = False
    comment: Comment | None = None
    attachments: list[Attachment] = field(default_factory=list)
    anchor: str = ""


def timeline(ticket: Ticket, viewer: User) -> list[Entry]:
    """Events and comments, oldest first; internal ones only for staff, and marked."""
    staff = sees_as_staff(viewer, ticket)
    comments = {c.id: c for c in ticket.comments}
    files: dict[int, list[Attachment]] = {}
    for att in ticket.attachments:
        if att.comment_id is not None:
            files.setdefault(att.comment_id, []).append(att)
    entries: list[Entry] = []
    shown: set[int] = set()
    for ev in ticket.events:
        cid = ev.data.get("comment") if ev.type == "comment" and isinstance(ev.data, dict) else None
        comment = comments.get(cid) if isinstance(cid, int) and cid not in shown else None
        internal = bool(ev.internal or (comment is not None and comment.internal))
        if internal and not staff:
            continue
        parts, details = describe(ev)
        entry = Entry(
            at=ev.created_at,
            type=ev.type,
            parts=parts,
            details=details,
            internal=internal,
            anchor=f"e{ev.id}",
        )
        if comment is not None:
            shown.add(comment.id)
            entry.comment, entry.anchor = comment, f"c{comment.id}"
            entry.attachments = files.get(comment.id, [])
        entries.append(entry)
    for comment in comments.values():  # a comment written without its event still shows
        if comment.id in shown or (comment.internal and not staff):
            continue
        entries.append(
            Entry(
                at=comment.created_at,
                type="comment",
                parts=[Part(person(comment.author), strong=True)],
                internal=comment.internal,
                comment=comment,
                attachments=files.get(comment.id, []),
                anchor=f"c{comment.id}",
            )
        )
    entries.sort(key=lambda e: e.at)  # stable: events keep their recorded order
    return entries


def visible_attachments(ticket: Ticket, viewer: User) -> list[Attachment]:
    """The ticket's files the viewer may open: files of internal notes are for staff."""
    if sees_as_staff(viewer, ticket):
        return list(ticket.attachments)
    return [a for a in ticket.attachments if a.comment is None or not a.comment.internal]
