"""Who may see which ticket. Every query for tickets on behalf of a user goes through here."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from dispatch.errors import NotFound
from dispatch.extensions import db
from dispatch.people.models import Role, User, user_groups
from dispatch.tickets.models import Kind, Ticket


def visible_tickets(user: User) -> Select:
    """A select of the tickets ``user`` may see."""
    query = select(Ticket)
    if user.role in (Role.DISPATCHER, Role.ADMIN):
        return query
    own = Ticket.requester_id == user.id
    if user.role == Role.AGENT:
        my_groups = select(user_groups.c.group_id).where(user_groups.c.user_id == user.id)
        queue = (Ticket.kind == Kind.REMOTE) & or_(
            Ticket.assignee_id == user.id,
            Ticket.group_id.in_(my_groups),
            Ticket.assignee_id.is_(None) & Ticket.group_id.is_(None),  # another group's: not theirs
        )
        return query.where(or_(own, queue))
    if user.role == Role.TECHNICIAN:
        jobs = (Ticket.kind == Kind.ONSITE) & (Ticket.assignee_id == user.id)
        return query.where(or_(own, jobs))
    if user.sees_department and user.department_id is not None:
        return query.where(or_(own, Ticket.department_id == user.department_id))
    return query.where(own if user.role == Role.EMPLOYEE else false())


def get_visible_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket, or NotFound — also when it exists but is not the user's to see."""
    ticket = db.session.scalar(visible_tickets(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


def can_see_internal(user: User) -> bool:
    """Internal comments and events are for staff only."""
    return user.is_staff
