"""Read-only questions the requester pages ask: my requests, form choices, nearest site."""

from __future__ import annotations

from dataclasses import dataclass

from geopy.distance import great_circle
from sqlalchemy import Select, false, or_, select

from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sites.models import Site
from dispatch.tickets.models import OPEN_STATUSES, Category, Ticket

#: The filters of "My requests": name → statuses (None: all).
SHOW = {"open": OPEN_STATUSES, "done": frozenset({"resolved", "closed"}), "all": None}


def my_requests(user: User, show: str = "all") -> Select:
    """The user's own requests, plus their department's if an admin allowed it; newest first."""
    mine = Ticket.requester_id == user.id
    dept = (
        Ticket.department_id == user.department_id
        if user.sees_department and user.department_id is not None
        else false()
    )
    query = select(Ticket).where(or_(mine, dept))
    statuses = SHOW.get(show)
    if statuses is not None:
        query = query.where(Ticket.status.in_(sorted(statuses)))
    return query.order_by(Ticket.created_at.desc(), Ticket.id.desc())


def active_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.active).order_by(name_order(Site.name))))


def active_categories() -> list[Category]:
    return list(
        db.session.scalars(
            select(Category).where(Category.active).order_by(name_order(Category.name))
        )
    )


@dataclass(frozen=True)
class Nearest:
    site: Site
    km: float


def nearest_site(latitude: float, longitude: float) -> Nearest | None:
    """The active site closest to a point, by great-circle distance (no network needed)."""
    best: Nearest | None = None
    for site in active_sites():
        if not site.has_location:
            continue
        km = great_circle((latitude, longitude), (site.latitude, site.longitude)).km
        if best is None or km < best.km:
            best = Nearest(site, km)
    return best


def merged_here(ticket: Ticket) -> list[Ticket]:
    """Tickets that were merged into this one."""
    return list(
        db.session.scalars(
            select(Ticket).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)
        )
    )
