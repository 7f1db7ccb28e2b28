"""The asset editor's form, the search bar of the list, and the import's upload."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from dispatch import labels
from dispatch.assets.models import AssetStatus
from dispatch.assets.services import NOTES_MAX, AssetInput
from dispatch.tickets.forms import attach_errors, extra_values


def _status_choices():
    return [(s.value, labels.ASSET_STATUS[s.value]) for s in AssetStatus]


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    # Anything else is not an id of ours: an unknown id, which the service names.
    return int(raw) if raw.isdigit() and len(raw) <= 12 else (0 if raw else None)


class AssetForm(FlaskForm):
    type = SelectField(_l("Type"), coerce=str, validate_choice=False)
    tag = StringField(
        _l("Tag"),
        validators=[Length(max=40)],
        description=_l("As printed on the label: letters, digits and . _ / -"),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=80)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=120)])
    maker = StringField(_l("Maker"), validators=[Optional(), Length(max=120)])
    site = SelectField(_l("Site"), coerce=str, validate_choice=False)
    building = StringField(_l("Building"), validators=[Optional(), Length(max=80)])
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=40)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=80)])
    owner = StringField(
        _l("Owner (person)"),
        validators=[Optional(), Length(max=254)],
        description=_l("Their e-mail address; leave empty for a department's device."),
    )
    department = SelectField(_l("Owner (department)"), coerce=str, validate_choice=False)
    status = SelectField(_l("Status"), choices=_status_choices, default=AssetStatus.IN_USE.value)
    purchased_on = StringField(
        _l("Purchased on"), validators=[Optional()], render_kw={"type": "date"}
    )
    warranty_until = StringField(
        _l("Warranty until"), validators=[Optional()], render_kw={"type": "date"}
    )
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=NOTES_MAX)], render_kw={"rows": 3}
    )
    version = HiddenField()

    def set_choices(self, types, sites, departments) -> None:
        self.type.choices = [("", _l("— Choose a type —"))] + [(str(t.id), str(t)) for t in types]
        self.site.choices = [("", "—")] + [(str(s.id), s.name) for s in sites]
        self.department.choices = [("", "—")] + [(str(d.id), str(d)) for d in departments]

    def to_input(self, formdata: Mapping[str, Any], owner_id: int | None) -> AssetInput:
        return AssetInput(
            type_id=_id(self.type.data),
            tag=self.tag.data or "",
            serial=self.serial.data or "",
            model=self.model.data or "",
            maker=self.maker.data or "",
            site_id=_id(self.site.data),
            building=self.building.data or "",
            floor=self.floor.data or "",
            room=self.room.data or "",
            owner_id=owner_id,
            department_id=_id(self.department.data),
            status=self.status.data,
            purchased_on=self.purchased_on.data or None,
            warranty_until=self.warranty_until.data or None,
            notes=self.notes.data or "",
            fields=extra_values(formdata, self.type.data),
        )

    def add_errors(self, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Service errors onto the fields; returns those of the extra fields by key."""
        return attach_errors(self, errors)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"))
    #: The previewed file's text, sent back with "Import": checked again before anything is
    #: written, so a changed text is only ever imported as checked.
    content = HiddenField()
