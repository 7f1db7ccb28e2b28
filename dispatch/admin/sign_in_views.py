"""How a person signs in, on their admin page (/admin/users/<id>): linking a local account to
the company directory (looked up and shown before it is confirmed) or to single sign-on, and
making a linked one local again. The services are dispatch.directory.links, which the
``flask directory adopt`` / ``flask oidc link`` / ``flask directory unlink`` commands call too.
Part of the admin blueprint."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from dispatch.admin.pages import bp
from dispatch.directory import links
from dispatch.directory.accounts import role_for
from dispatch.directory.settings import from_config
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.sites.lookup import find_site


class DirectoryLookupForm(FlaskForm):
    login = StringField(
        _l("Login or e-mail address in the directory"),
        validators=[DataRequired(), Length(max=256)],
    )


class DirectoryLinkForm(FlaskForm):
    login = HiddenField(validators=[DataRequired(), Length(max=256)])
    entry_id = HiddenField(validators=[DataRequired(), Length(max=120)])


class SsoLinkForm(FlaskForm):
    subject = StringField(
        _l("Subject at the provider (optional)"),
        validators=[Length(max=255)],
        description=_l("Empty: their next single sign-on with this address binds it."),
    )


class UnlinkForm(FlaskForm):
    send_link = BooleanField(_l("Mail them a link to set a password"), default=True)


def sign_in_context(user: User) -> dict:
    """What the person's admin page shows of their sign-in, with the forms it offers."""
    config = current_app.config
    return {
        "sign_in": links.sign_in_of(user),
        "directory_on": bool(config.get("LDAP_URL")),
        "sso_on": bool(config.get("OIDC_ISSUER")),
        "lookup_form": DirectoryLookupForm(formdata=None, prefix="lookup"),
        "sso_form": SsoLinkForm(formdata=None, prefix="sso"),
        "unlink_form": UnlinkForm(formdata=None, prefix="unlink"),
    }


def _directory_form(form):
    """The directory's settings when it is on and ``form`` parses; None, with a message,
    otherwise."""
    settings = from_config(current_app.config)
    if settings is None:
        flash(_("Directory sign-in is off (LDAP_URL is not set)."), "danger")
        return None
    if not form.validate_on_submit():
        _flash_errors(form)
        return None
    return settings


def _back(user: User):
    # No #sign-in anchor: the message says what happened at the top of the page.
    return redirect(url_for(".user_edit", user_id=user.id))


def _flash_errors(form) -> None:
    for messages in form.errors.values():
        flash(messages[0], "danger")


@bp.post("/users/<int:user_id>/directory/lookup", endpoint="user_directory_lookup")
def directory_lookup(user_id: int):
    user = db.get_or_404(User, user_id)
    form = DirectoryLookupForm(prefix="lookup")
    settings = _directory_form(form)
    if settings is None:
        return _back(user)
    try:
        person = links.directory_person(settings, user, form.login.data, actor=current_user)
    except links.LinkRefused as exc:
        flash(exc.message, "danger")
        return _back(user)
    confirm = DirectoryLinkForm(formdata=None, login=form.login.data.strip(), entry_id=person.id)
    return render_template(
        "admin/directory_link.html",
        user=user,
        person=person,
        role=role_for(settings, person.groups),
        site=find_site(person.site) if person.site else None,
        confirm=confirm,
    )


@bp.post("/users/<int:user_id>/directory/link", endpoint="user_directory_link")
def directory_link(user_id: int):
    user = db.get_or_404(User, user_id)
    form = DirectoryLinkForm()
    settings = _directory_form(form)
    if settings is None:
        return _back(user)
    try:
        problems = links.link_directory(
            settings, user, form.login.data, actor=current_user, expected_id=form.entry_id.data
        )
    except links.LinkRefused as exc:
        flash(exc.message, "danger")
        return _back(user)
    flash(_("%(email)s now signs in with the company directory.", email=user.email), "success")
    for problem in problems:
        flash(problem, "warning")
    return _back(user)


@bp.post("/users/<int:user_id>/sso/link", endpoint="user_sso_link")
def sso_link(user_id: int):
    user = db.get_or_404(User, user_id)
    form = SsoLinkForm(prefix="sso")
    issuer = current_app.config.get("OIDC_ISSUER")
    if not issuer:
        flash(_("Single sign-on is off (OIDC_ISSUER is not set)."), "danger")
        return _back(user)
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(user)
    try:
        links.link_sso(user, actor=current_user, issuer=issuer, subject=form.subject.data)
    except links.LinkRefused as exc:
        flash(exc.message, "danger")
        return _back(user)
    flash(_("%(email)s now signs in with single sign-on.", email=user.email), "success")
    return _back(user)


@bp.post("/users/<int:user_id>/unlink", endpoint="user_unlink")
def unlink(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UnlinkForm(prefix="unlink")
    if not form.validate_on_submit():
        _flash_errors(form)
        return _back(user)
    try:
        links.unlink(user, actor=current_user, send_password_link=form.send_link.data)
    except links.LinkRefused as exc:
        flash(exc.message, "danger")
        return _back(user)
    if form.send_link.data and user.active:
        message = _(
            "%(email)s now signs in with a password; a link to set it is on its way.",
            email=user.email,
        )
    else:
        message = _(
            "%(email)s now signs in with a password, which they do not have yet.",
            email=user.email,
        )
    flash(message, "success")
    return _back(user)
