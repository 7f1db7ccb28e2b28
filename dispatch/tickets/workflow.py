"""The fixed ticket workflow.

new → triaged → (remote: assigned → in progress) or (on-site: to schedule → scheduled →
in progress) → waiting on requester ↔ … → resolved → closed; resolved/closed can reopen.
"""

from __future__ import annotations

from dispatch.tickets.models import Kind, Status

S = Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, S.ASSIGNED, S.TO_SCHEDULE, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.TRIAGED: frozenset(
        {S.ASSIGNED, S.TO_SCHEDULE, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}
    ),
    S.ASSIGNED: frozenset(
        {S.TRIAGED, S.TO_SCHEDULE, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}
    ),
    S.TO_SCHEDULE: frozenset(
        {S.TRIAGED, S.ASSIGNED, S.SCHEDULED, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}
    ),
    S.SCHEDULED: frozenset({S.TO_SCHEDULE, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.TO_SCHEDULE, S.WAITING, S.RESOLVED, S.CLOSED}),
    S.WAITING: frozenset(
        {S.TRIAGED, S.ASSIGNED, S.TO_SCHEDULE, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}
    ),
    S.RESOLVED: frozenset({S.CLOSED, S.TRIAGED, S.ASSIGNED, S.TO_SCHEDULE}),  # close or reopen
    S.CLOSED: frozenset({S.TRIAGED, S.ASSIGNED, S.TO_SCHEDULE}),  # reopen
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def working_status(kind: str | None, has_assignee: bool) -> str:
    """Where a ticket sits once it is catalogued (and where it goes back to on reopen)."""
    if kind == Kind.ONSITE:
        return S.TO_SCHEDULE
    if kind == Kind.REMOTE and has_assignee:
        return S.ASSIGNED
    return S.TRIAGED


def next_step(status: str, kind: str | None) -> str:
    """The sentence a requester reads under the status: what happens next."""
    from flask_babel import gettext as _

    if status == S.NEW:
        return _("A dispatcher will look at your request and decide who handles it.")
    if status == S.TRIAGED:
        return _("Your request is catalogued and waiting for an agent.")
    if status == S.ASSIGNED:
        return _("An agent has your request and will start on it.")
    if status == S.TO_SCHEDULE:
        return _("A technician needs to come on site; the visit is being planned.")
    if status == S.SCHEDULED:
        return _("A technician's visit is planned.")
    if status == S.IN_PROGRESS:
        return _("Someone is working on it now.")
    if status == S.WAITING:
        return _("We need something from you: please read the latest comment and reply.")
    if status == S.RESOLVED:
        return _("We think this is fixed. If it is not, reopen the request.")
    return _("This request is closed. Open a follow-up if you need more help.")
