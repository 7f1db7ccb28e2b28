"""Admin forms. They parse what the browser sends; the services decide what is valid.

Each form's ``values()`` gives the keyword arguments of its service, so views stay thin and a
field's name is the name the service uses when it reports an error.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dispatch import labels
from dispatch.admin.services import parse_choices
from dispatch.people.models import Role
from dispatch.people.services import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN
from dispatch.sites.holidays import country_codes
from dispatch.tickets.models import FieldType
from dispatch.translated import languages

WEEKDAYS = [
    SelectChoice(i, day)
    for i, day in enumerate(
        [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
    )
]
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


def _id_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def _blank_is_none(value: Any) -> str | None:
    return value or None


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one list of choices (rendered by templates/admin/_macros.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AdminForm(FlaskForm):
    def values(self) -> dict[str, Any]:
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}


def pick(rows, current=()) -> list[SelectChoice]:
    """Choices for a picker: active rows, plus inactive ones the record already has."""
    keep = {r.id for r in current}
    return [SelectChoice(r.id, str(r)) for r in rows if r.active or r.id in keep]


class InLanguages(AdminForm):
    """A form whose ``TRANSLATED`` inputs are also asked in every language offered: the
    declared input is the stable text (what the API, imports and tickets keep), and one input
    per language follows it (``name_ro``), gathered by ``values()`` into ``translations``.

    The languages are the installation's (``LANGUAGES``), so the form class is built on first
    use for them: call ``in_languages()`` rather than the class itself."""

    TRANSLATED: tuple[str, ...] = ()

    @classmethod
    def in_languages(cls, obj=None, **kwargs):
        form = _with_languages(cls, tuple(languages()))(obj=obj, **kwargs)
        form.show_languages(obj)
        return form

    def show_languages(self, obj) -> None:
        codes = languages()
        fields = dict(self._fields)
        extras = {f"{name}_{code}" for name in self.TRANSLATED for code in codes}
        self._fields.clear()
        for name, field in fields.items():
            if name in extras:
                continue  # placed after its attribute's input, below
            self._fields[name] = field
            if name not in self.TRANSLATED:
                continue
            label = field.label.text
            if not field.description:
                field.description = _(
                    "What the API, imports and exports use, and what a language without its "
                    "own text shows."
                )
            for code in codes:
                extra = fields[f"{name}_{code}"]
                extra.label.text = f"{label} ({labels.language_name(code)})"
                if obj is not None and not self.is_submitted():
                    value = ((obj.translations or {}).get(name) or {}).get(code)
                    extra.data = "\n".join(value) if isinstance(value, list) else value or ""
                self._fields[extra.name] = extra

    def values(self) -> dict[str, Any]:
        values = super().values()
        translations: dict[str, dict[str, Any]] = {name: {} for name in self.TRANSLATED}
        for code in languages():
            for name in self.TRANSLATED:
                translations[name][code] = values.pop(f"{name}_{code}", "")
        values["translations"] = translations
        return values


@functools.cache
def _with_languages(form: type[InLanguages], codes: tuple[str, ...]) -> type[InLanguages]:
    """``form`` with an input per language beside each translated one (the same kind of
    input: a line, or lines for choices; optional, checked by the service)."""
    extra = {
        f"{name}_{code}": getattr(form, name).field_class(
            render_kw=getattr(form, name).kwargs.get("render_kw")
        )
        for name in form.TRANSLATED
        for code in codes
    }
    return type(form.__name__, (form,), extra)


class SiteForm(AdminForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    code = StringField(
        _l("Code"),
        validators=[Length(max=20)],
        description=_l("Optional short code, e.g. CLJ-1. Unique."),
    )
    address = StringField(_l("Address"), validators=[Length(max=300)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    timezone = StringField(
        _l("Time zone"),
        default="UTC",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"list": "timezones", "autocomplete": "off"},
        description=_l("An IANA name such as Europe/Bucharest."),
    )
    opens_at = TimeField(_l("Opens at"), format=TIME_FORMATS, validators=[InputRequired()])
    closes_at = TimeField(_l("Closes at"), format=TIME_FORMATS, validators=[InputRequired()])
    weekdays = MultiCheckboxField(
        _l("Open on"), choices=WEEKDAYS, coerce=int, default=[0, 1, 2, 3, 4]
    )
    country = SelectField(
        _l("Public holidays of"),
        default="",
        description=_l("The country whose public holidays close the site (service levels)."),
    )
    latitude = FloatField(
        _l("Latitude"),
        validators=[Optional()],
        description=_l("Decimal degrees, -90 to 90. Leave both empty if unknown."),
    )
    longitude = FloatField(
        _l("Longitude"), validators=[Optional()], description=_l("Decimal degrees, -180 to 180.")
    )
    # Not the service's business: the view looks the address up after saving.
    locate = BooleanField(_l("Find the point from the address when it is empty"), default=True)
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted((labels.country_name(code), code) for code in country_codes())
        self.country.choices = [SelectChoice("", _("None"))] + [
            SelectChoice(code, name) for name, code in names
        ]

    @classmethod
    def for_site(cls, site):
        return cls(obj=site, weekdays=[int(d) for d in site.open_weekdays])

    def values(self) -> dict[str, Any]:
        values = super().values()
        values.pop("locate", None)
        return values


class NameForm(AdminForm):
    """Departments and skills: a name, and whether it is still offered."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("Inactive entries stay on existing records but are no longer offered."),
    )


class DepartmentForm(InLanguages, NameForm):
    TRANSLATED = ("name",)


class GroupForm(NameForm):
    member_ids = MultiCheckboxField(
        _l("Members"), coerce=int, description=_l("Only support agents can be members.")
    )


class UserForm(AdminForm):
    # The address rules are dispatch.people.services' (shared with the CLI), checked by the service.
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=EMAIL_MAX)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, labels.ROLE[r.value]) for r in Role]
    )
    department_id = SelectField(_l("Department"), coerce=_id_or_none)
    site_id = SelectField(_l("Site"), coerce=_id_or_none)
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    # Choices from LANGUAGES (set_choices); "" follows the browser. The service checks the value.
    locale = SelectField(
        _l("Language"),
        choices=[],
        validate_choice=False,
        description=_l("Of the pages and of the mail this person gets."),
    )
    skill_ids = MultiCheckboxField(
        _l("Skills"), coerce=int, description=_l("Kept for field technicians only.")
    )
    group_ids = MultiCheckboxField(
        _l("Groups"), coerce=int, description=_l("Kept for support agents only.")
    )
    sees_department = BooleanField(
        _l("Sees the department's tickets"),
        description=_l(
            "An employee normally sees only their own requests; with this, also "
            "every request of their department."
        ),
    )
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("Inactive accounts cannot sign in; their history stays."),
    )
    password = PasswordField(
        _l("New password"),
        validators=[Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
        description=_l(
            "At least %(n)d characters. Leave empty to keep the "
            "current one (or, for a new account, to set none: "
            "they can set one with “Forgot your password?”).",
            n=PASSWORD_MIN,
        ),
    )

    @classmethod
    def for_user(cls, user):
        return cls(
            obj=user, skill_ids=[s.id for s in user.skills], group_ids=[g.id for g in user.groups]
        )

    def set_choices(self, departments, sites, skills, groups, user=None) -> None:
        none = [SelectChoice("", "—")]
        self.locale.choices = [SelectChoice("", _("The browser's language"))] + [
            SelectChoice(code, labels.language_name(code))
            for code in current_app.config["LANGUAGES"]
        ]
        mine = (lambda row: [row] if row is not None else []) if user else (lambda row: [])
        self.department_id.choices = none + pick(departments, mine(user and user.department))
        self.site_id.choices = none + pick(sites, mine(user and user.site))
        self.skill_ids.choices = pick(skills, user.skills if user else [])
        self.group_ids.choices = pick(groups, user.groups if user else [])


class CategoryForm(InLanguages):
    TRANSLATED = ("name", "description")

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(_l("Description"), validators=[Length(max=300)])
    default_kind = SelectField(
        _l("Usually handled"),
        coerce=_blank_is_none,
        choices=[
            SelectChoice("", labels.KIND[None]),
            SelectChoice("remote", labels.KIND["remote"]),
            SelectChoice("onsite", labels.KIND["onsite"]),
        ],
    )
    default_duration_min = IntegerField(
        _l("Default on-site duration (minutes)"),
        default=60,
        validators=[InputRequired()],
        description=_l("5 to 1440 minutes."),
    )
    skill_ids = MultiCheckboxField(_l("Required skills"), coerce=int)
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("Inactive categories are no longer offered for new requests."),
    )

    @classmethod
    def for_category(cls, category):
        return cls.in_languages(obj=category, skill_ids=[s.id for s in category.skills])


class AssetTypeForm(InLanguages):
    TRANSLATED = ("name", "description")

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(_l("Description"), validators=[Length(max=300)])
    active = BooleanField(_l("Active"), default=True)


class FieldForm(InLanguages):
    TRANSLATED = ("label", "choices", "help_text")

    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=120)])
    key = StringField(
        _l("Key"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "Used by the API and exports: a lower-case letter, then "
            "lower-case letters, digits or _. It can no longer change "
            "once a ticket (or an asset) has a value for it."
        ),
    )
    type = SelectField(
        _l("Type"), choices=[SelectChoice(t.value, labels.FIELD_TYPE[t.value]) for t in FieldType]
    )
    required = BooleanField(_l("Required"))
    choices = TextAreaField(
        _l("Choices"),
        render_kw={"rows": 4},
        description=_l("For a choice field: one choice per line."),
    )
    help_text = StringField(_l("Help text"), validators=[Length(max=200)])
    position = IntegerField(
        _l("Position"),
        default=0,
        validators=[InputRequired()],
        description=_l("Fields are shown in increasing position."),
    )
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("Inactive fields are no longer asked for; values already recorded stay."),
    )

    @classmethod
    def for_field(cls, field):
        form = cls.in_languages(obj=field)
        if not form.is_submitted():
            form.choices.data = "\n".join(field.choices or [])
        return form

    def values(self) -> dict[str, Any]:
        values = super().values()
        values["choices"] = parse_choices(values["choices"])
        return values
