from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dispatch.triage.services import PHRASE_MAX, PHRASE_MIN

KIND_CHOICES = [SelectChoice("remote", _l("Remote")), SelectChoice("onsite", _l("On-site"))]


class RuleForm(FlaskForm):
    phrase = StringField(
        _l("Phrase"),
        validators=[DataRequired(), Length(min=PHRASE_MIN, max=PHRASE_MAX)],
        description=_l("Matched as whole words in the subject or description, ignoring case."),
    )
    kind = SelectField(_l("Suggest"), choices=KIND_CHOICES)
    active = BooleanField(_l("Active"), default=True)


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class TryForm(FlaskForm):
    """Read-only: see what would be suggested for a text (a GET form, so no token)."""

    class Meta:
        csrf = False

    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
