"""Requester-side forms: a new request (also used for follow-ups), a comment, a reopen."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice as C
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from dispatch import labels
from dispatch.errors import ValidationError as DomainError
from dispatch.tickets.models import Level
from dispatch.tickets.services import COMMENT_MAX, DESCRIPTION_MAX, SUBJECT_MAX, NewTicket

#: Extra inputs are named ``fields-<category id>-<key>`` so that every category's group can
#: sit in the page at once without two categories' "asset_tag" colliding.
FIELD_PREFIX = "fields-"


def field_name(category_id: int, key: str) -> str:
    return f"{FIELD_PREFIX}{category_id}-{key}"


def extra_values(formdata: Mapping[str, Any], chosen: str | None) -> dict[str, str]:
    """The extra-field values of the chosen category (or asset type) ``chosen``, by key."""
    if not (chosen or "").isdigit():
        return {}
    prefix = field_name(int(chosen), "")
    return {
        name[len(prefix) :]: value
        for name, value in formdata.items()
        if name.startswith(prefix) and len(name) > len(prefix)
    }


def attach_errors(form: FlaskForm, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Put a service's errors next to the form's fields (or above the form); returns those of
    the extra fields (``fields.<key>``) by key."""
    extra: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if name.startswith("fields."):
            extra[name.removeprefix("fields.")] = list(messages)
        elif name in form._fields and name not in ("csrf_token", "version"):
            form._fields[name].errors = list(form._fields[name].errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    return extra


def _level_choices():
    return [(level.value, labels.LEVEL[level.value]) for level in Level]


def _coordinate(form, field) -> None:
    if field.data and _float(field.data) is None:
        raise ValidationError(_l("Not a position."))


def _float(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


# The same sentences as the service's, so that a tampered form reads like an unknown id.
UNKNOWN = {
    "site": _l("Unknown site %(id)s."),
    "category": _l("Unknown category %(id)s."),
    "asset": _l("Unknown device %(id)s."),
}


def _id(raw: str | None, what: str) -> int | None:
    """A submitted id, or a domain ValidationError naming what was sent (a tampered form)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        message = str(UNKNOWN[what]) % {"id": raw[:40]}  # echoed on the page, escaped
        raise DomainError(message, field=what)
    return int(raw)


class RequestForm(FlaskForm):
    """A new request. Site and category choices are filled by the view; ids outside them are
    not refused here but by the service, so that the answer can name the unknown one."""

    site = SelectField(_l("Site"), coerce=str, validate_choice=False)
    building = StringField(_l("Building"), validators=[Optional(), Length(max=80)])
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=40)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=80)])
    category = SelectField(_l("Category"), coerce=str, validate_choice=False)
    # Its options (my devices, the room's) are drawn by the template from the page's context.
    asset = StringField(_l("Device"))
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(_l("Say in a few words what is wrong.")), Length(max=SUBJECT_MAX)],
    )
    description = TextAreaField(
        _l("What happened?"), validators=[Length(max=DESCRIPTION_MAX)], render_kw={"rows": 6}
    )
    impact = SelectField(
        _l("Impact"),
        choices=_level_choices,
        default=Level.MEDIUM.value,
        description=_l("How many people or how much work does it stop?"),
    )
    urgency = SelectField(
        _l("Urgency"),
        choices=_level_choices,
        default=Level.MEDIUM.value,
        description=_l("How soon does it need to be fixed?"),
    )
    stops_work = SelectField(
        _l("Does this stop your work?"),
        choices=[C("no", _l("No, I can keep working")), C("yes", _l("Yes, I cannot work"))],
        default="no",
    )
    latitude = HiddenField(validators=[_coordinate])
    longitude = HiddenField(validators=[_coordinate])
    attachments = MultipleFileField(_l("Attachments"))

    def set_choices(self, sites, categories, *, site_required: bool) -> None:
        self.site.choices = ([] if site_required else [("", _l("— Choose a site —"))]) + [
            (str(s.id), s.name) for s in sites
        ]
        self.category.choices = [("", _l("Not sure / other"))] + [
            (str(c.id), str(c)) for c in categories
        ]

    def extra_values(self, formdata: Mapping[str, Any]) -> dict[str, str]:
        """The extra-field values of the chosen category only; other groups are ignored."""
        return extra_values(formdata, self.category.data)

    def to_new_ticket(self, formdata: Mapping[str, Any], parent_id: int | None = None) -> NewTicket:
        """What the service needs; raises the domain ValidationError for unknown ids."""
        return NewTicket(
            subject=self.subject.data or "",
            description=self.description.data or "",
            site_id=_id(self.site.data, "site"),
            category_id=_id(self.category.data, "category"),
            building=self.building.data or "",
            floor=self.floor.data or "",
            room=self.room.data or "",
            impact=self.impact.data,
            urgency=self.urgency.data,
            fields=self.extra_values(formdata),
            latitude=_float(self.latitude.data),
            longitude=_float(self.longitude.data),
            channel="web",
            parent_id=parent_id,
            asset_id=_id(self.asset.data, "asset"),
            stops_work=self.stops_work.data == "yes",
        )

    def add_errors(self, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Attach service errors to form fields; returns those of the extra fields by key."""
        return attach_errors(self, errors)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(_l("Write something first.")), Length(max=COMMENT_MAX)],
        render_kw={"rows": 4},
    )
    internal = BooleanField(_l("Internal note (staff only)"))
    attachments = MultipleFileField(_l("Attachments"))


class ReopenForm(FlaskForm):
    reason = StringField(_l("Why is it not fixed?"), validators=[Optional(), Length(max=300)])
