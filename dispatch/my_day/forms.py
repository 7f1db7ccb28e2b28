"""The technician's day's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from .services import NOTES_MAX, TIME_SPENT_MAX


class ActionForm(FlaskForm):
    """Buttons that only need the CSRF token (new calendar address, revoke it)."""


class VisitStepForm(FlaskForm):
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=NOTES_MAX)])
    time_spent = IntegerField(
        _l("Time spent (minutes)"), validators=[Optional(), NumberRange(1, TIME_SPENT_MAX)]
    )
