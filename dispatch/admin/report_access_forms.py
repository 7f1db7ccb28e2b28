"""Admin forms for reports (dispatch.admin.report_access decides what is valid)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from dispatch.admin.forms import AdminForm, pick
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.sites.models import Site


class ReportSettingsForm(AdminForm):
    summary_recipients = TextAreaField(
        _l("Monthly summary to"),
        validators=[Length(max=20_000)],
        render_kw={"rows": 4},
        description=_l("One e-mail address a line. Nobody: no summary is sent."),
    )
    site_managers_allowed = BooleanField(
        _l("Site managers may read their sites' reports"),
        description=_l("Only the people named below, and only for their sites."),
    )


class SiteManagerForm(AdminForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    site_id = SelectField(_l("Site"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.scalars(select(Site).order_by(name_order(Site.name)))
        self.site_id.choices = pick(rows)
