"""Checking a dispatcher's input before a ticket changes: categories, assignees and groups,
skills, times with their zone, job addresses, and the on-site planning data with its defaults.

Every check adds its message to :class:`InputErrors` instead of raising, so that the form shows
all problems at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from flask_babel import gettext as _

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Group, Role, Skill, User
from dispatch.tickets.job_places import clean_address
from dispatch.tickets.models import Category, Kind, TechnicianRule, Ticket

DURATION_MAX = 7 * 24 * 60
DEFAULT_DURATION_MIN = 60
#: Who may carry a ticket of each kind.
ASSIGNEE_ROLES = {Kind.REMOTE: frozenset({Role.AGENT}), Kind.ONSITE: frozenset({Role.TECHNICIAN})}


class InputErrors:
    """Collects every problem with the input, so that the form shows them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        """Note a problem with ``field``."""
        self.errors.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        """Raise a ValidationError carrying every problem noted, if there is any."""
        if self.errors:
            first = next(iter(self.errors))
            raise ValidationError(self.errors[first][0], field=first, errors=self.errors)


def check_category(category_id: int | None, errors: InputErrors) -> Category | None:
    """The active category ``category_id`` names (None for none); an error otherwise."""
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None or not category.active:
        errors.add("category", _("Unknown category %(id)s.", id=category_id))
    return category


def check_assignee(
    user_id: int | None, kind: str | None, errors: InputErrors, ticket: Ticket | None = None
) -> User | None:
    """The active user ``user_id`` names, if their role may carry a ticket of ``kind``
    (someone already carrying ``ticket`` as it is stays acceptable)."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        errors.add("assignee", _("Unknown user %(id)s.", id=user_id))
        return None
    if ticket is not None and ticket.assignee_id == user_id and ticket.kind == kind:
        return user  # kept as is (e.g. a dispatcher who claimed the ticket)
    if kind == Kind.REMOTE and user.role not in ASSIGNEE_ROLES[Kind.REMOTE]:
        errors.add("assignee", _("Remote tickets go to a support agent."))
    elif kind == Kind.ONSITE and user.role not in ASSIGNEE_ROLES[Kind.ONSITE]:
        errors.add("assignee", _("On-site tickets go to a field technician."))
    return user


def check_group(group_id: int | None, kind: str | None, errors: InputErrors) -> Group | None:
    """The group ``group_id`` names; groups take remote tickets only."""
    if group_id is None:
        return None
    group = db.session.get(Group, group_id)
    if group is None:
        errors.add("group", _("Unknown group %(id)s.", id=group_id))
    elif kind == Kind.ONSITE:
        errors.add("group", _("Groups of agents take remote tickets only."))
    return group


def check_skills(skill_ids: Iterable[int], errors: InputErrors) -> list[Skill]:
    """The skills the ids name; unknown ids are an error."""
    ids = sorted(set(skill_ids))
    skills = db.session.scalars(db.select(Skill).where(Skill.id.in_(ids))).all() if ids else []
    missing = set(ids) - {s.id for s in skills}
    if missing:
        errors.add("skills", _("Unknown skill %(id)s.", id=", ".join(map(str, sorted(missing)))))
    return list(skills)


#: The form's and the API's name of each rule's field.
TECHNICIAN_FIELDS = {
    TechnicianRule.REQUIRED: "required_technicians",
    TechnicianRule.PROHIBITED: "prohibited_technicians",
    TechnicianRule.PREFERRED: "preferred_technician",
}


def current_technicians(ticket: Ticket) -> dict[str, list[int]]:
    """The ticket's technician rules as :func:`check_technicians` takes them."""
    return {rule: ticket.technician_ids(rule) for rule in TechnicianRule}


def check_technicians(
    chosen: dict[str, Iterable[int]], errors: InputErrors
) -> list[tuple[int, str]] | None:
    """(technician id, rule) pairs, from the ids each rule names (``chosen``): every id an active
    field technician, nobody both required and prohibited, and the preferred one (at most
    one) neither prohibited nor left out of the required ones."""
    ids = {rule: sorted(set(chosen.get(rule) or ())) for rule in TechnicianRule}
    wanted = {i for values in ids.values() for i in values}
    known = (
        set(
            db.session.scalars(
                db.select(User.id).where(
                    User.id.in_(wanted), User.role == Role.TECHNICIAN, User.active
                )
            )
        )
        if wanted
        else set()
    )
    before = len(errors.errors)
    for rule, values in ids.items():
        unknown = [str(i) for i in values if i not in known]
        if unknown:
            errors.add(
                TECHNICIAN_FIELDS[rule], _("Unknown technician %(id)s.", id=", ".join(unknown))
            )
    required, prohibited = set(ids["required"]), set(ids["prohibited"])
    preferred = ids["preferred"]
    if required & prohibited:
        errors.add(
            "prohibited_technicians",
            _("A technician cannot be both required and prohibited."),
        )
    if len(preferred) > 1:
        errors.add("preferred_technician", _("Choose one preferred technician."))
    elif preferred and preferred[0] in prohibited:
        errors.add("preferred_technician", _("The preferred technician is prohibited."))
    elif preferred and required and preferred[0] not in required:
        errors.add(
            "preferred_technician", _("The preferred technician must be one of the required.")
        )
    if len(errors.errors) > before:
        return None
    return [(i, str(rule)) for rule, values in ids.items() for i in values]


def check_aware(value: datetime | None, field: str, errors: InputErrors) -> datetime | None:
    """``value`` if it carries its time zone; an error on ``field`` otherwise."""
    if value is not None and value.tzinfo is None:
        errors.add(field, _("A time needs its time zone."))
        return None
    return value


def plan_onsite(
    ticket: Ticket,
    category: Category | None,
    errors: InputErrors,
    *,
    duration_min: int | None,
    skill_ids: Iterable[int] | None,
    access_from: time | None,
    access_until: time | None,
    appointment_start: datetime | None,
    appointment_end: datetime | None,
    technicians: dict[str, Iterable[int]] | None = None,
) -> dict:
    """The on-site planning data: what was given, else what the ticket had, else defaults.
    ``technicians`` (ids by :class:`TechnicianRule`; None keeps the ticket's) become
    ``(technician id, rule)`` pairs."""
    keep = ticket.kind == Kind.ONSITE and (category is None or category.id == ticket.category_id)
    if duration_min is None:
        duration_min = (ticket.duration_min if keep and ticket.duration_min else None) or (
            category.default_duration_min if category else DEFAULT_DURATION_MIN
        )
    elif not 1 <= duration_min <= DURATION_MAX:
        errors.add("duration_min", _("Between 1 and %(n)d minutes.", n=DURATION_MAX))
    if skill_ids is None:
        skills = (
            list(ticket.skills)
            if keep and ticket.skills
            else list(category.skills if category else [])
        )
    else:
        skills = check_skills(skill_ids, errors)
    if access_from is None and access_until is None:
        if keep and ticket.access_from is not None:
            access_from, access_until = ticket.access_from, ticket.access_until
        elif ticket.site is not None:
            access_from, access_until = ticket.site.opens_at, ticket.site.closes_at
    elif access_from is None or access_until is None:
        errors.add("access_until", _("Give both ends of the access window."))
    elif access_until <= access_from:
        errors.add("access_until", _("The access window must end after it starts."))
    appointment_start = check_aware(appointment_start, "appointment_start", errors)
    appointment_end = check_aware(appointment_end, "appointment_end", errors)
    if (appointment_start is None) != (appointment_end is None):
        errors.add("appointment_end", _("Give both the start and the end of the appointment."))
    elif appointment_start is not None and appointment_end <= appointment_start:
        errors.add("appointment_end", _("The appointment must end after it starts."))
    if technicians is None:
        pairs = (
            [(r.user_id, r.rule) for r in ticket.technicians] if ticket.kind == Kind.ONSITE else []
        )
    else:
        pairs = check_technicians(technicians, errors) or []
    return dict(
        duration_min=duration_min,
        skills=skills,
        technicians=pairs,
        access_from=access_from,
        access_until=access_until,
        appointment_start=appointment_start,
        appointment_end=appointment_end,
    )


def check_address(value: str | None, errors: InputErrors) -> str | None:
    """The cleaned job address; its problem, if any, is an error."""
    address, problem = clean_address(value)
    if problem:
        errors.add("address", problem)
    return address


NO_ONSITE = dict(
    duration_min=None,
    skills=[],
    technicians=[],
    access_from=None,
    access_until=None,
    appointment_start=None,
    appointment_end=None,
)
