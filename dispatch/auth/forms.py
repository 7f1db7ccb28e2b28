from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from dispatch.people.services import EMAIL_MAX, PASSWORD_MAX, PASSWORD_MIN

# The rules themselves live in dispatch.people.services; the lengths here only stop absurd input
# before it reaches the server's password hashing.
_NEW_PASSWORD_HELP = _l(
    "At least %(n)d characters. A few unrelated words make a good one.", n=PASSWORD_MIN
)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=EMAIL_MAX)],
        filters=[lambda text: text.strip() if text else text],
        render_kw={"autocomplete": "email"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_NEW_PASSWORD_HELP,
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    """The language switcher and the account page's choice: one of LANGUAGES, or "" to
    follow the browser (the view fills the choices from the configuration)."""

    language = SelectField(_l("Language"), choices=[], validate_choice=True)
    next = HiddenField()
