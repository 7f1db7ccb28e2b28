"""Who may see which ticket, and who may work on it. Every query for tickets on behalf of a user
goes through here.

Two relations, each defined once as a query filter:

- *seeing as staff* (:func:`staff_scope`): a dispatcher or admin sees every ticket, an agent the
  remote queue (their own, their groups', the unassigned pool), a technician their on-site
  jobs. Internal notes and the claim button follow it.
- *working on* (:func:`staff_tickets`): within that scope, the assignee, a member of the
  ticket's group, or a dispatcher or admin. Every staff action (status, assignment, cataloguing,
  internal notes, relations, the job's point, reopening a closed ticket) needs it.

A staff member who sees a ticket only as its requester has the requester's powers there and no
others. A ticket someone may not see at all is a 404; one they see but may not work on is a 403.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from dispatch.errors import Forbidden, NotFound
from dispatch.extensions import db
from dispatch.people.models import Role, User, user_groups
from dispatch.tickets.models import Kind, Ticket

#: Roles that work on every ticket.
ALL_TICKETS_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})


def _my_groups(user: User) -> Select:
    return select(user_groups.c.group_id).where(user_groups.c.user_id == user.id)


def staff_scope(user: User) -> ColumnElement[bool]:
    """The tickets ``user`` sees as staff — not as their requester."""
    if user.role in ALL_TICKETS_ROLES:
        return true()
    if user.role == Role.AGENT:
        return (Ticket.kind == Kind.REMOTE) & or_(
            Ticket.assignee_id == user.id,
            Ticket.group_id.in_(_my_groups(user)),
            Ticket.assignee_id.is_(None) & Ticket.group_id.is_(None),  # another group's: not theirs
        )
    if user.role == Role.TECHNICIAN:
        return (Ticket.kind == Kind.ONSITE) & (Ticket.assignee_id == user.id)
    return false()


def _works_on(user: User) -> ColumnElement[bool]:
    if user.role in ALL_TICKETS_ROLES:
        return true()
    return or_(Ticket.assignee_id == user.id, Ticket.group_id.in_(_my_groups(user)))


def visible_tickets(user: User) -> Select:
    """A select of the tickets ``user`` may see."""
    query = select(Ticket)
    if user.role in ALL_TICKETS_ROLES:
        return query
    own = Ticket.requester_id == user.id
    if user.is_staff:
        return query.where(or_(own, staff_scope(user)))
    if user.sees_department and user.department_id is not None:
        return query.where(or_(own, Ticket.department_id == user.department_id))
    return query.where(own if user.role == Role.EMPLOYEE else false())


def staff_tickets(user: User) -> Select:
    """A select of the tickets ``user`` may work on as staff: the assignee, a member of the
    ticket's group, or a dispatcher or admin — never a requester as such, and never an agent
    on a pool ticket they have not claimed."""
    return select(Ticket).where(staff_scope(user), _works_on(user))


def _holds(query: Select, ticket: Ticket) -> bool:
    found = db.session.scalar(query.with_only_columns(Ticket.id).where(Ticket.id == ticket.id))
    return found is not None


def sees_as_staff(user: User, ticket: Ticket) -> bool:
    """Whether ``user`` sees ``ticket`` as staff (internal notes, the claim button)."""
    if user.role in ALL_TICKETS_ROLES:
        return True
    return user.is_staff and _holds(select(Ticket).where(staff_scope(user)), ticket)


def can_act_as_staff(user: User, ticket: Ticket) -> bool:
    """Whether ``user`` may take staff actions on ``ticket`` (see :func:`staff_tickets`)."""
    if user.role in ALL_TICKETS_ROLES:
        return True
    return user.is_staff and _holds(staff_tickets(user), ticket)


def require_staff(user: User, ticket: Ticket) -> None:
    """Forbidden unless ``user`` may take staff actions on ``ticket``."""
    if not can_act_as_staff(user, ticket):
        raise Forbidden(
            _(
                "You can see %(n)s but do not work on it: only its assignee, the members of "
                "its group, dispatchers and admins can change it.",
                n=ticket.number,
            )
        )


def get_visible_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket, or NotFound — also when it exists but is not the user's to see."""
    ticket = db.session.scalar(visible_tickets(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def get_staff_ticket(user: User, ticket_id: int) -> Ticket:
    """The ticket for a staff action: NotFound if ``user`` may not see it, Forbidden if they
    see it but do not work on it (see :func:`staff_tickets`)."""
    ticket = get_visible_ticket(user, ticket_id)
    require_staff(user, ticket)
    return ticket
