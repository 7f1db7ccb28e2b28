import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from dispatch.auth import passwords, throttle
from dispatch.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
)
from dispatch.auth.services import authenticate, keep_signed_in, safe_next, sign_out
from dispatch.directory.client import DirectoryUnavailable
from dispatch.directory.oidc_signin import enabled as sso_enabled
from dispatch.errors import DispatchError, ValidationError
from dispatch.extensions import LANGUAGE_COOKIE, limiter
from dispatch.labels import language_name
from dispatch.people import services as people
from dispatch.web import private_page

bp = Blueprint("auth", __name__)
bp.after_app_request(throttle.remember_signed_in_device)


def _setting(name: str):
    return lambda: current_app.config[name]


def _address_key() -> str:
    # Per address typed, whether or not it has an account: the limit itself reveals nothing.
    return "password-for:" + (request.form.get("email") or "").strip().lower()[:254]


def _too_many() -> str:
    return _("Too many requests for a password link. Please wait a while and try again.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _setting("LOGIN_ADDRESS_LIMIT"), methods=["POST"], error_message=throttle.too_many_sign_ins
)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        # Counted before the password is checked (429 past the account's allowance)…
        attempt = throttle.count_attempt(form.email.data)
        try:
            user = authenticate(form.email.data, form.password.data)
        except DirectoryUnavailable:
            flash(
                _(
                    "The company directory cannot be reached, so signing in with it is not "
                    "possible at the moment. Please try again later."
                ),
                "danger",
            )
            return render_template("auth/login.html", form=form, sso=sso_enabled())
        if user is not None:
            throttle.give_back(attempt)  # …and given back when it was right
            session.clear()  # nothing of the visit before (CSRF token, flashes) carries over
            login_user(user, remember=form.remember.data)
            response = redirect(safe_next(form.next.data) or url_for("tickets.home"))
            throttle.remember_device(response, user.email)
            return response
        flash(_("Wrong e-mail or password."), "danger")
    elif current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("tickets.home"))
    return render_template("auth/login.html", form=form, sso=sso_enabled())


@bp.post("/logout")
@login_required
def logout():
    # Said, and remembered in this browser, in the person's language: the sign-in page that
    # follows speaks it too. Worded before signing out, which forgets who it was.
    chosen = current_user.locale
    said = _("You are signed out.")
    sign_out(current_user._get_current_object())
    flash(said, "info")
    response = redirect(url_for("auth.login"))
    if chosen:
        keep_language(response, chosen)
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_setting("PASSWORD_RESET_RATE_LIMIT"), methods=["POST"], error_message=_too_many)
@limiter.limit(
    _setting("PASSWORD_RESET_ADDRESS_LIMIT"),
    methods=["POST"],
    key_func=_address_key,
    error_message=_too_many,
)
def forgot_password():
    started = time.monotonic()
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data)
        # The same page, after the same time, whether or not the address has an account.
        time.sleep(
            max(
                0.0, current_app.config["PASSWORD_RESET_MIN_SECONDS"] - (time.monotonic() - started)
            )
        )
        return render_template(
            "auth/forgot_sent.html",
            email=form.email.data,
            valid_for=passwords.valid_for(passwords.RESET),
        )
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_setting("PASSWORD_FORM_RATE_LIMIT"), methods=["POST"])
def reset_password(token: str):
    """GET only shows the form (mail scanners open links); the POST spends the link."""
    try:
        user, purpose = passwords.user_for_token(token)
        form = NewPasswordForm()
        if form.validate_on_submit():
            passwords.reset_password(token, form.password.data)
            session.clear()  # as for any sign-in: nothing of the visit before carries over
            login_user(user)
            flash(_("Your password is set and you are signed in."), "success")
            response = redirect(url_for("tickets.home"))
            throttle.forgive(response, user.email)  # the link unlocks a locked-out account
            return response
    except passwords.BadLink as exc:
        return private_page(render_template("auth/link_invalid.html", message=exc.message), 400)
    except ValidationError as exc:
        form.password.errors = [*form.password.errors, exc.message]
    return private_page(render_template("auth/reset.html", form=form, user=user, purpose=purpose))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_setting("PASSWORD_FORM_RATE_LIMIT"), methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            passwords.change_own_password(user, form.current_password.data, form.password.data)
        except ValidationError as exc:
            field = getattr(form, exc.field or "password", form.password)
            field.errors = [*field.errors, exc.message]
        except DispatchError as exc:
            flash(exc.message, "danger")
        else:
            keep_signed_in(user)
            flash(
                _(
                    "Your password is changed. Anywhere else you were signed in, you are now "
                    "signed out."
                ),
                "success",
            )
            return redirect(url_for("tickets.home"))
    return render_template(
        "auth/change_password.html",
        form=form,
        language_form=language_form(follow=True, current=current_user.locale or ""),
    )


def language_form(follow: bool = False, current: str = "") -> LanguageForm:
    """The language choice, with "the browser's language" first on the account page."""
    form = LanguageForm(language=current)
    choices = [("", _("The browser's language"))] if follow else []
    form.language.choices = choices + [
        (code, language_name(code)) for code in current_app.config["LANGUAGES"]
    ]
    return form


@bp.post("/language")
def language():
    """Switch language and come back: a signed-in person's choice is saved on their account
    (their mail follows it), an anonymous visitor's in a cookie; either way this browser keeps
    it in a cookie, so that the sign-in page after signing out speaks it too."""
    form = language_form(follow=True)
    back = safe_next(form.next.data) or url_for("tickets.home")
    if not form.validate_on_submit():
        flash(_("Choose one of the languages offered."), "danger")
        return redirect(back)
    chosen = form.language.data or None
    if current_user.is_authenticated:
        people.set_locale(current_user._get_current_object(), chosen)
    response = redirect(back)
    if chosen:
        keep_language(response, chosen)
    else:
        response.delete_cookie(LANGUAGE_COOKIE)
    return response


def keep_language(response, language: str) -> None:
    """This browser keeps speaking ``language`` (the locale selector reads the cookie)."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
