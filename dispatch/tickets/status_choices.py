"""The statuses staff may move a ticket to by hand: the workflow's, less those its kind or its
planning data rule out (the status page's choices; the move itself is a service of
:mod:`dispatch.tickets.services`)."""

from __future__ import annotations

from dispatch.tickets import workflow
from dispatch.tickets.cataloguing import FINISHED
from dispatch.tickets.models import Kind, Status, Ticket


def status_targets(ticket: Ticket) -> list[str]:
    """The statuses staff may move this ticket to by hand (the workflow, minus what the kind or
    the planning data rule out). Finished tickets offer only 'reopen'."""
    if ticket.merged_into_id is not None:
        return []
    if ticket.status in FINISHED:
        return ["reopen"]
    allowed = set(workflow.TRANSITIONS.get(ticket.status, ()))
    if ticket.kind == Kind.REMOTE:  # assigned ⇔ someone has it; assigning is the way there
        allowed -= {Status.TO_SCHEDULE, Status.SCHEDULED}
        allowed.discard(Status.TRIAGED if ticket.assignee_id is not None else Status.ASSIGNED)
    elif ticket.kind == Kind.ONSITE:
        allowed -= {Status.ASSIGNED, Status.TRIAGED}
        if ticket.appointment_start is None:
            allowed.discard(Status.SCHEDULED)
    else:  # not catalogued yet: only waiting, resolved or closed make sense by hand
        allowed -= {
            Status.TRIAGED,
            Status.ASSIGNED,
            Status.TO_SCHEDULE,
            Status.SCHEDULED,
            Status.IN_PROGRESS,
        }
    return [s.value for s in Status if s in allowed]
