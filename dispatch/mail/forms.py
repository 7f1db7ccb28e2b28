from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(), Length(max=20_000)], render_kw={"rows": 14}
    )
