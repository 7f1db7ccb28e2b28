"""Forms of the schedule page. They parse; dispatch.technicians.services decides what is valid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    Form,
    FormField,
    IntegerField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from dispatch.technicians.services import DayHours

TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
WEEKDAY_NAMES = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]


class HomeForm(FlaskForm):
    home_address = StringField(
        _l("Home base address"),
        validators=[Length(max=300)],
        description=_l("Where the technician's day starts and ends."),
    )
    home_latitude = FloatField(_l("Latitude"), validators=[Optional()])
    home_longitude = FloatField(_l("Longitude"), validators=[Optional()])
    locate = BooleanField(_l("Find the point from the address when it is empty"), default=True)
    notes = TextAreaField(
        _l("Notes for dispatchers"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )

    def values(self) -> dict:
        return {
            name: self[name].data
            for name in ("home_address", "home_latitude", "home_longitude", "notes", "locate")
        }


class DayForm(Form):
    """One weekday's row (a sub-form: the page's CSRF token covers it)."""

    works = BooleanField(_l("Works"))
    start_time = TimeField(_l("From"), format=TIME_FORMATS, validators=[Optional()])
    end_time = TimeField(_l("Until"), format=TIME_FORMATS, validators=[Optional()])
    lunch_start = TimeField(_l("Lunch from"), format=TIME_FORMATS, validators=[Optional()])
    lunch_end = TimeField(_l("Lunch until"), format=TIME_FORMATS, validators=[Optional()])
    lunch_minutes = IntegerField(_l("Lunch minutes"), validators=[Optional(), NumberRange(0, 240)])


class WeekForm(FlaskForm):
    """Seven rows, ``d0`` (Monday) to ``d6`` (Sunday); a row's fields are named ``d3-start_time``
    and so on. Fixed fields rather than a FieldList: a row is a weekday, not a position."""

    @classmethod
    def for_week(cls, week: dict) -> WeekForm:
        data = {}
        for weekday in range(7):
            h = week.get(weekday)
            data[f"d{weekday}"] = dict(
                works=h is not None,
                start_time=h and h.start_time,
                end_time=h and h.end_time,
                lunch_start=h and h.lunch_start,
                lunch_end=h and h.lunch_end,
                lunch_minutes=h.lunch_minutes if h else None,
            )
        return cls(formdata=None, data=data)

    @property
    def rows(self) -> list:
        return [self[f"d{i}"].form for i in range(7)]

    def values(self) -> dict[int, DayHours]:
        return {
            i: DayHours(
                works=bool(d.works.data),
                start_time=d.start_time.data,
                end_time=d.end_time.data,
                lunch_start=d.lunch_start.data,
                lunch_end=d.lunch_end.data,
                lunch_minutes=d.lunch_minutes.data,
            )
            for i, d in enumerate(self.rows)
        }


for _weekday in range(7):
    setattr(WeekForm, f"d{_weekday}", FormField(DayForm))


class DayOffForm(FlaskForm):
    start = DateField(_l("Day off"), validators=[InputRequired()])
    until = DateField(
        _l("Until (optional)"),
        validators=[Optional()],
        description=_l("For several days in a row, the last one."),
    )
    reason = StringField(
        _l("Reason"),
        validators=[Length(max=200)],
        description=_l("Visible to dispatchers and administrators."),
    )

    def values(self) -> dict:
        return dict(start=self.start.data, until=self.until.data, reason=self.reason.data)


def show_errors(form, errors: dict[str, list[str]]) -> list[str]:
    """Put a service's messages next to their fields; returns the ones with no field."""
    loose = []
    for name, messages in errors.items():
        field = form._fields.get(name)
        if field is None and "-" in name:
            row, sub = name.split("-", 1)
            if row in form._fields and hasattr(form[row], "form"):
                field = form[row].form._fields.get(sub)
        if field is None:
            loose.extend(messages)
        else:
            field.errors = list(field.errors) + list(messages)
    return loose
