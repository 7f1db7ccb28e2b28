"""Forms of the planning board and of the technician's day (all with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from .runs import MAX_DAYS, MAX_TIME_LIMIT


class PlanForm(FlaskForm):
    day = DateField(_l("First day"), validators=[InputRequired()])
    days = IntegerField(
        _l("Days"), default=1, validators=[InputRequired(), NumberRange(1, MAX_DAYS)]
    )
    sites = SelectMultipleField(_l("Sites (none: all)"), coerce=int, validate_choice=False)
    region = StringField(_l("City / region"), validators=[Optional(), Length(max=120)])
    time_limit = IntegerField(
        _l("Time limit (seconds)"), validators=[Optional(), NumberRange(1, MAX_TIME_LIMIT)]
    )


class ReplanForm(FlaskForm):
    ticket = IntegerField(
        _l("Urgent ticket number (empty: every urgent on-site ticket)"),
        validators=[Optional(), NumberRange(1)],
    )
    # Its own id: the plan form on the same page has a time limit too (labels must not mix).
    time_limit = IntegerField(
        _l("Time limit (seconds)"),
        id="replan-time_limit",
        validators=[Optional(), NumberRange(1, MAX_TIME_LIMIT)],
    )


class MoveForm(FlaskForm):
    technician = SelectField(
        _l("Technician"), coerce=int, validate_choice=False, validators=[InputRequired()]
    )
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Start (site time)"), validators=[InputRequired()])
    #: Whose clock ``start`` is on: the site's (the form) or the technician's (the timeline,
    #: which is drawn in each technician's time zone).
    clock = StringField(default="site", validators=[Optional(), AnyOf(("site", "technician"))])
    #: The visit's place as the board showed it (:attr:`Visit.stamp`), to refuse a move made
    #: on a board that someone else changed since.
    seen = HiddenField(validators=[Optional(), Length(max=80)])


class ActionForm(FlaskForm):
    """Buttons that only need the CSRF token (pin, remove, re-run, publish)."""


class BookForm(FlaskForm):
    """One offered slot, as the slots page shows it; the server checks it again."""

    technician = IntegerField(validators=[InputRequired(), NumberRange(1)])
    day = DateField(validators=[InputRequired()])
    start = HiddenField(validators=[InputRequired(), Length(max=40)])
    #: The technician's day when the slot was offered: a booking on a day changed since is
    #: refused.
    stamp = HiddenField(validators=[InputRequired(), Length(max=40)])
