"""Admin forms for service levels (dispatch.admin.service_levels decides what is valid)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from dispatch import labels
from dispatch.admin.forms import AdminForm, pick
from dispatch.admin.service_levels import MINUTES_MAX
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.sites.models import Site
from dispatch.tickets.models import Category, Kind, Priority

MINUTES = [InputRequired(), NumberRange(min=1, max=MINUTES_MAX)]


def _id_or_any(value) -> int | None:
    """A criterion's id, None for "Any"."""
    return None if value in (None, "") else int(value)


def _rows(model, current=None) -> list[SelectChoice]:
    rows = db.session.scalars(select(model).order_by(name_order(model.name)))
    return [SelectChoice("", _("Any"))] + pick(rows, [current] if current else [])


class PolicyForm(AdminForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    category_id = SelectField(_l("Category"), coerce=_id_or_any)
    priority = SelectField(_l("Priority"), default="")
    kind = SelectField(_l("Kind"), default="")
    site_id = SelectField(_l("Site"), coerce=_id_or_any)
    department_id = SelectField(_l("Department"), coerce=_id_or_any)
    first_response_minutes = IntegerField(_l("First response within (minutes)"), validators=MINUTES)
    resolution_minutes = IntegerField(
        _l("Resolution within (minutes)"),
        validators=MINUTES,
        description=_l("Counted in the business hours of the ticket's site unless 24×7."),
    )
    around_the_clock = BooleanField(
        _l("24×7"), description=_l("Count every hour of every day, not the site's hours.")
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, obj=policy, **kwargs)
        any_ = SelectChoice("", _("Any"))
        self.category_id.choices = _rows(Category, policy and policy.category)
        self.site_id.choices = _rows(Site, policy and policy.site)
        self.department_id.choices = _rows(Department, policy and policy.department)
        self.priority.choices = [any_] + [
            SelectChoice(p.value, labels.PRIORITY[p.value]) for p in Priority
        ]
        self.kind.choices = [any_] + [SelectChoice(k.value, labels.KIND[k.value]) for k in Kind]
        for criterion in (self.priority, self.kind):  # a policy's None is the form's "Any"
            criterion.data = criterion.data or ""


class ClosureDayForm(AdminForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    name = StringField(_l("What it is"), validators=[DataRequired(), Length(max=120)])
