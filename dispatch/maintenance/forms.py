"""The plan editor's form, and the small forms of the plan list and the calendar."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from .plans import PlanInput


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 12 else (0 if raw else None)


def _ids(raw: list[str] | None) -> list[int]:
    return [int(x) if x.isdigit() and len(x) <= 12 else 0 for x in raw or []]


class PlanForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    asset_tag = StringField(
        _l("One asset (its tag)"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    asset_type = SelectField(_l("…or every asset of a type"), coerce=str, validate_choice=False)
    sites = SelectMultipleField(
        _l("At these sites"),
        coerce=str,
        validate_choice=False,
        description=_l("None chosen: at every site."),
    )
    checklist = TextAreaField(
        _l("Checklist"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("One item a line; the technician ticks them on the visit."),
        render_kw={"rows": 5},
    )
    duration_min = IntegerField(_l("Duration (minutes)"), validators=[Optional()], default=60)
    skills = SelectMultipleField(_l("Skills"), coerce=str, validate_choice=False)
    rule = StringField(
        _l("Recurrence (RFC 5545 rule)"),
        validators=[Length(max=500)],
        description=_l(
            "FREQ=MONTHLY;INTERVAL=3 (every 3 months) · "
            "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYDAY=1MO (the first Monday of each quarter)"
        ),
        render_kw={"spellcheck": "false", "autocapitalize": "characters"},
    )
    starts_on = StringField(_l("From"), render_kw={"type": "date"})
    from_last_done = BooleanField(
        _l("Count from the last visit done, not from the calendar"),
    )
    lead_days = IntegerField(
        _l("Lead time (days)"),
        validators=[Optional()],
        default=14,
        description=_l("How long before the due date the visit's ticket is made."),
    )
    window_days = IntegerField(
        _l("Window (working days)"),
        validators=[Optional()],
        default=10,
        description=_l("The visit is due within this many working days from its due date."),
    )
    active = BooleanField(_l("Active"), default=True)
    version = HiddenField()

    def set_choices(self, types, sites, skills) -> None:
        self.asset_type.choices = [("", "—")] + [(str(t.id), t.name) for t in types]
        self.sites.choices = [(str(s.id), s.name) for s in sites]
        self.skills.choices = [(str(s.id), s.name) for s in skills]

    def to_input(self) -> PlanInput:
        try:
            starts_on = date.fromisoformat(self.starts_on.data or "")
        except ValueError:
            starts_on = None
        return PlanInput(
            name=self.name.data or "",
            rule=self.rule.data or "",
            starts_on=starts_on,
            asset_tag=self.asset_tag.data or "",
            asset_type_id=_id(self.asset_type.data),
            site_ids=_ids(self.sites.data),
            checklist=self.checklist.data or "",
            duration_min=self.duration_min.data,
            skill_ids=_ids(self.skills.data),
            from_last_done=bool(self.from_last_done.data),
            lead_days=self.lead_days.data,
            window_days=self.window_days.data,
            active=bool(self.active.data),
        )


class ActionForm(FlaskForm):
    """A button that changes something (pause, resume): only its CSRF token."""


class SkipForm(FlaskForm):
    reason = StringField(_l("Why is it skipped?"), validators=[Length(max=300)])


class ChecklistForm(FlaskForm):
    """The technician's ticks: the items' numbers come as ``item`` values."""
