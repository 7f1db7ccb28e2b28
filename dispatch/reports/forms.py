"""The reports' filters, read from the query string (a GET form: nothing changes, no CSRF)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import Optional

from dispatch import labels
from dispatch.collation import name_order
from dispatch.desk.forms import opt_int
from dispatch.extensions import db
from dispatch.people.models import Department
from dispatch.reports.present import CHANNEL
from dispatch.reports.scope import Scope, period_bounds, whole_days
from dispatch.sites.models import Site
from dispatch.tickets.models import Category, Kind


def _choices(model, any_label, only: frozenset[int] | None = None) -> list[C]:
    query = db.select(model).order_by(name_order(model.name))
    if only is not None:
        query = query.where(model.id.in_(sorted(only)))
    rows = db.session.scalars(query)
    return [C("", any_label)] + [C(str(r.id), str(r)) for r in rows]


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until (included)"), validators=[Optional()])
    site = SelectField(_l("Site"), coerce=opt_int, validate_choice=False)
    department = SelectField(_l("Department"), coerce=opt_int, validate_choice=False)
    category = SelectField(_l("Category"), coerce=opt_int, validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=[C("", _l("Any kind"))] + [C(k.value, labels.KIND[k.value]) for k in Kind],
        validate_choice=False,
    )
    channel = SelectField(
        _l("Channel"),
        choices=[C("", _l("Any channel"))] + [C(k, v) for k, v in CHANNEL.items()],
        validate_choice=False,
    )

    def fill_choices(self, sites: frozenset[int] | None = None) -> ReportFilterForm:
        """The lists to choose from; ``sites``: the only sites the reader may pick."""
        self.site.choices = _choices(
            Site, _l("Any site") if sites is None else _l("All my sites"), sites
        )
        self.department.choices = _choices(Department, _l("Any department"))
        self.category.choices = _choices(Category, _l("Any category"))
        return self

    def scope(self, tz: str, today: date) -> Scope:
        """The period as whole days in ``tz`` (default: the last twelve weeks, Monday to
        Sunday, this week included) and the filters; raises ValidationError for a bad one."""
        self.start.data, self.end.data = period_bounds(self.start.data, self.end.data, today)
        return whole_days(
            self.start.data,
            self.end.data,
            ZoneInfo(tz),
            site_id=self.site.data,
            department_id=self.department.data,
            category_id=self.category.data,
            kind=self.kind.data or None,
            channel=self.channel.data or None,
        )
