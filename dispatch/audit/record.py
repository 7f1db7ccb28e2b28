"""Writing the official record of administration.

Every use case that changes the administration (accounts, departments, skills, groups, the
catalog, mail templates, sites, quarantined mail released or discarded) calls
:func:`record_admin_event` before its one commit, so the change and its record are saved
together or not at all. Nothing here
commits. Secrets are never recorded: a changed password is recorded as changed, not as text.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from dispatch.audit.models import AdminEvent
from dispatch.extensions import db
from dispatch.types import utcnow

#: What an event says happened (the page's filter lists these).
ACTIONS = (
    "created",
    "changed",
    "deleted",
    "reset",
    "password_changed",
    "released",
    "discarded",
)
#: Written in place of a password in ``before`` / ``after``.
SECRET = "********"


@dataclass(frozen=True)
class Target:
    """What an event is about, when it is not a model row: its kind, id and a name."""

    type: str
    id: int | None
    name: str


class CommandLine(str):
    """The actor of a change made with a ``flask …`` command."""


def command_line() -> CommandLine:
    """The command line as an actor, with the operating system's user when it is known."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers) or no environment
        return CommandLine("command line")
    return CommandLine(f"command line ({who})")


def target_of(row: Any) -> Target:
    """A model row as a target: its table is its kind, and the first of its name, e-mail,
    key or label names it."""
    if isinstance(row, Target):
        return row
    name = next(
        (
            str(value)
            for attr in ("name", "email", "label", "key", "subject")
            if (value := getattr(row, attr, None))
        ),
        "",
    )
    return Target(row.__tablename__, row.id, name[:255])


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None):
    """The parts of two snapshots that differ (the whole snapshot for a creation or a
    deletion); None, None when nothing changed."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    if not keys:
        return None, None
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_admin_event(
    actor: Any,
    action: str,
    target: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AdminEvent | None:
    """Append one event to the record of administration, in the caller's transaction (which
    commits it with the change, or rolls both back). ``target`` is a model row (flushed, so
    that it has an id) or a :class:`Target`; ``before`` and ``after`` are JSON-able snapshots
    of it, of which only what differs is kept. A change that changes nothing records nothing
    and returns None.

    ``actor`` is the user acting, :func:`command_line` for a ``flask`` command, or None for
    the application itself (e.g. a scheduled job)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown admin action {action!r}")
    if action == "changed":
        before, after = changes(before, after)
        if before is None and after is None:
            return None
    what = target_of(target)
    if actor is None or isinstance(actor, str):
        actor_id, actor_name = None, str(actor or "Dispatch")
    else:  # a user (dispatch.people, which records through this module, is not imported)
        actor_id, actor_name = actor.id, f"{actor.name} <{actor.email}>"
    event = AdminEvent(
        created_at=utcnow(),
        actor_id=actor_id,
        actor_name=actor_name[:200],
        action=action,
        target_type=what.type,
        target_id=what.id,
        target_name=what.name,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
