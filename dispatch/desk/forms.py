"""Forms of the staff side: the inbox filters, the bulk catalogue and the ticket's staff panel.

Every form that changes a ticket carries the ``version`` the user saw, so that a second
dispatcher working from a stale page is told instead of overwriting (services.check_version).
Id choices are not checked by WTForms: the services validate ids and name the bad field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from dispatch import labels
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import Department, Group, Role, Skill, User
from dispatch.selects import SelectField, SelectMultipleField
from dispatch.sites.models import Site
from dispatch.tickets.models import Category, Kind, Priority, Status, TechnicianRule, Ticket

TICKET_REF = r"^\s*#?\d{1,12}\s*$"
AGES = {
    "1d": _l("Last 24 hours"),
    "3d": _l("Last 3 days"),
    "7d": _l("Last 7 days"),
    "30d": _l("Last 30 days"),
    "gt7d": _l("Older than 7 days"),
    "gt30d": _l("Older than 30 days"),
}


def opt_int(value):
    """'' → None, '12' → 12; anything else is refused as an invalid choice."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    value = str(value).strip()
    if not value.isdigit() or len(value) > 12:
        raise ValueError("not an id")
    return int(value)


def ticket_ref(raw: str | None) -> int | None:
    """'#12' or '12' → 12."""
    raw = (raw or "").strip().lstrip("#")
    return int(raw) if raw.isdigit() and len(raw) <= 12 else None


def to_utc(value: datetime | None, tz: str | None) -> datetime | None:
    """A datetime-local input (the site's wall clock) as an aware UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(tz or "UTC")).astimezone(UTC)


def to_local(value: datetime | None, tz: str | None) -> datetime | None:
    return value.astimezone(ZoneInfo(tz or "UTC")).replace(tzinfo=None) if value else None


def _names(model, *where):
    return list(db.session.scalars(db.select(model).where(*where).order_by(name_order(model.name))))


def _once(key: str, load):
    """``load()``, once per request: a ticket's panel offers the same people and groups in
    more than one of its forms."""
    loaded = request.environ.setdefault("dispatch.desk_choices", {})
    if key not in loaded:
        loaded[key] = load()
    return loaded[key]


def staff_choices(role: str, optgroup: str | None = None) -> list[C]:
    users = _once(f"staff:{role}", lambda: _names(User, User.role == role, User.active))
    return [C(str(u.id), u.name, optgroup=optgroup) for u in users]


def _groups() -> list[Group]:
    return _once("groups", lambda: _names(Group))


def _options(rows) -> list[C]:
    return [C(str(r.id), str(r)) for r in rows]


NONE = C("", "—")


class _TicketForm(FlaskForm):
    version = HiddenField(validators=[InputRequired()])
    next = HiddenField()

    @property
    def expected_version(self) -> int:
        raw = str(self.version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 12 else -1  # garbage reads as stale


class CatalogForm(_TicketForm):
    kind = RadioField(
        _l("Kind"),
        choices=[C(k.value, labels.KIND[k.value]) for k in Kind],
        validators=[InputRequired(_l("Choose remote or on-site."))],
    )
    category = SelectField(_l("Category"), coerce=opt_int, validate_choice=False)
    priority = SelectField(
        _l("Priority"), choices=[C(p.value, labels.PRIORITY[p.value]) for p in Priority]
    )
    assignee = SelectField(_l("Assignee"), coerce=opt_int, validate_choice=False)
    group = SelectField(_l("Group"), coerce=opt_int, validate_choice=False)
    duration_min = IntegerField(
        _l("Estimated duration (minutes)"),
        validators=[Optional(), NumberRange(1, 10080)],
        description=_l("Empty: the category's default."),
    )
    skills = SelectMultipleField(
        _l("Required skills"),
        coerce=int,
        validate_choice=False,
        description=_l("None selected: the category's skills."),
    )
    required_technicians = SelectMultipleField(
        _l("Only these technicians"),
        coerce=int,
        validate_choice=False,
        description=_l("None selected: any technician with the skills."),
    )
    prohibited_technicians = SelectMultipleField(
        _l("Never these technicians"), coerce=int, validate_choice=False
    )
    preferred_technician = SelectField(
        _l("Preferred technician"),
        coerce=opt_int,
        validate_choice=False,
        description=_l("Empty: the one who last visited the device, if any."),
    )
    address = StringField(
        _l("Job address (away from a site)"),
        validators=[Optional(), Length(max=300)],
        description=_l("Empty: at the ticket's site or position."),
    )
    access_from = TimeField(_l("Access from"), validators=[Optional()])
    access_until = TimeField(
        _l("Access until"),
        validators=[Optional()],
        description=_l("Empty: the site's opening hours."),
    )
    appointment_start = DateTimeLocalField(_l("Appointment start"), validators=[Optional()])
    appointment_end = DateTimeLocalField(_l("Appointment end"), validators=[Optional()])
    due_at = DateTimeLocalField(_l("Due"), validators=[Optional()])

    def fill_choices(self) -> CatalogForm:
        self.category.choices = [NONE] + _options(_names(Category, Category.active))
        self.assignee.choices = (
            [NONE]
            + staff_choices(Role.AGENT, str(labels.ROLE[Role.AGENT]))
            + staff_choices(Role.TECHNICIAN, str(labels.ROLE[Role.TECHNICIAN]))
        )
        self.group.choices = [NONE] + _options(_groups())
        self.skills.choices = [C(s.id, s.name) for s in _names(Skill)]
        technicians = staff_choices(Role.TECHNICIAN)
        self.required_technicians.choices = technicians
        self.prohibited_technicians.choices = technicians
        self.preferred_technician.choices = [NONE] + technicians
        return self

    @classmethod
    def for_ticket(cls, ticket: Ticket, **kw) -> CatalogForm:
        tz = ticket.site.timezone if ticket.site else None
        data = dict(
            version=ticket.version,
            kind=ticket.kind or ticket.suggested_kind,
            category=ticket.category_id,
            priority=ticket.priority,
            assignee=ticket.assignee_id,
            group=ticket.group_id,
            duration_min=ticket.duration_min,
            address=ticket.address,
            skills=[s.id for s in ticket.skills],
            required_technicians=ticket.technician_ids(TechnicianRule.REQUIRED),
            prohibited_technicians=ticket.technician_ids(TechnicianRule.PROHIBITED),
            preferred_technician=next(iter(ticket.technician_ids(TechnicianRule.PREFERRED)), None),
            access_from=ticket.access_from,
            access_until=ticket.access_until,
            appointment_start=to_local(ticket.appointment_start, tz),
            appointment_end=to_local(ticket.appointment_end, tz),
            due_at=to_local(ticket.due_at, tz),
        )
        return keep_current(
            cls(formdata=None, data=data, prefix="catalog", **kw).fill_choices(), ticket
        )


class AssignForm(_TicketForm):
    assignee = SelectField(_l("Assignee"), coerce=opt_int, validate_choice=False)
    group = SelectField(_l("Group"), coerce=opt_int, validate_choice=False)

    def fill_choices(self, kind: str | None) -> AssignForm:
        if kind is None:  # the POST: the service checks the role against the ticket's kind
            self.assignee.choices = (
                [NONE] + staff_choices(Role.AGENT) + staff_choices(Role.TECHNICIAN)
            )
        else:
            role = Role.TECHNICIAN if kind == Kind.ONSITE else Role.AGENT
            self.assignee.choices = [NONE] + staff_choices(role)
        self.group.choices = [NONE] + (_options(_groups()) if kind != Kind.ONSITE else [])
        return self

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> AssignForm:
        data = dict(version=ticket.version, assignee=ticket.assignee_id, group=ticket.group_id)
        return keep_current(
            cls(formdata=None, data=data, prefix="assign").fill_choices(ticket.kind), ticket
        )


def keep_current(form, ticket: Ticket):
    """Offer the current assignee even if their role is not in the list (e.g. a dispatcher who
    claimed the ticket), so that saving the form does not silently unassign them."""
    if ticket.assignee is not None and all(
        c.value != str(ticket.assignee_id) for c in form.assignee.choices
    ):
        form.assignee.choices = form.assignee.choices + [
            C(str(ticket.assignee_id), ticket.assignee.name)
        ]
    return form


class StatusForm(_TicketForm):
    target = HiddenField(validators=[InputRequired()])
    note = TextAreaField(
        _l("Note to the requester (optional)"), validators=[Optional(), Length(max=20_000)]
    )


class ClaimForm(_TicketForm):
    pass


class MergeForm(_TicketForm):
    target = StringField(
        _l("Merge into ticket"),
        validators=[InputRequired(), Regexp(TICKET_REF, message=_l("A ticket number, like #123."))],
    )


class LinkForm(_TicketForm):
    parent = StringField(
        _l("Parent ticket"),
        validators=[Optional(), Regexp(TICKET_REF, message=_l("A ticket number, like #123."))],
        description=_l("Empty: detach from its parent."),
    )


def simple_form(cls, ticket: Ticket, prefix: str, **data):
    return cls(formdata=None, data=dict(version=ticket.version, **data), prefix=prefix)


class BulkForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=[C(k.value, labels.KIND[k.value]) for k in Kind], validate_choice=False
    )
    category = SelectField(_l("Category"), coerce=opt_int, validate_choice=False)
    priority = SelectField(
        _l("Priority"),
        choices=[C("", _l("Keep"))] + [C(p.value, labels.PRIORITY[p.value]) for p in Priority],
        validate_choice=False,
    )
    # Length is checked by the service (after spacing is collapsed), with the other errors.
    address = StringField(_l("Job address (on-site only)"))
    next = HiddenField()

    def fill_choices(self) -> BulkForm:
        self.category.choices = [C("", _l("Keep"))] + _options(_names(Category, Category.active))
        return self


class PointForm(_TicketForm):
    """A job's own point, placed on the map (static/js/point-map.js fills the two numbers)."""

    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])

    @classmethod
    def for_ticket(cls, ticket: Ticket) -> PointForm:
        return cls(
            formdata=None,
            data=dict(version=ticket.version, latitude=ticket.latitude, longitude=ticket.longitude),
            prefix="point",
        )


class InboxFilterForm(FlaskForm):
    """The inbox's filters, read from the query string (GET: no CSRF token needed)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    site = SelectField(_l("Site"), coerce=opt_int, validate_choice=False)
    department = SelectField(_l("Department"), coerce=opt_int, validate_choice=False)
    category = SelectField(_l("Category"), coerce=opt_int, validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=[C("", _l("Any kind")), C("none", labels.KIND[None])]
        + [C(k.value, labels.KIND[k.value]) for k in Kind],
        validate_choice=False,
    )
    status = SelectField(
        _l("Status"),
        choices=[C("open", _l("Open")), C("all", _l("All"))]
        + [C(s.value, labels.STATUS[s.value]) for s in Status],
        validate_choice=False,
    )
    priority = SelectField(
        _l("Priority"),
        choices=[C("", _l("Any priority"))]
        + [C(p.value, labels.PRIORITY[p.value]) for p in Priority],
        validate_choice=False,
    )
    age = SelectField(
        _l("Age"),
        choices=[C("", _l("Any age"))] + [C(k, v) for k, v in AGES.items()],
        validate_choice=False,
    )
    sla = SelectField(
        _l("Service level"),
        choices=[C("", _l("Any")), C("breached", _l("Breached"))],
        validate_choice=False,
    )
    sort = HiddenField()
    dir = HiddenField()

    def fill_choices(self) -> InboxFilterForm:
        self.site.choices = [C("", _l("Any site"))] + _options(_names(Site))
        self.department.choices = [C("", _l("Any department"))] + _options(_names(Department))
        self.category.choices = [C("", _l("Any category"))] + _options(_names(Category))
        return self
