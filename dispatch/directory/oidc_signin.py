"""Signing in with the company account (OpenID Connect): the verified ID token's claims become
the account, created on the first sign-in and brought up to date on each, as the directory's
sign-in does. A person is local, directory or single sign-on: never two silently."""

from __future__ import annotations

import hashlib
import logging

from flask import current_app
from flask_babel import gettext as _

from dispatch.directory import accounts
from dispatch.directory.client import Person, normal_dn
from dispatch.directory.oidc_client import SsoRefused, redirect_to_provider, verified_claims
from dispatch.directory.oidc_settings import OidcSettings, from_config
from dispatch.extensions import db
from dispatch.people.models import EmailAlias, User

log = logging.getLogger(__name__)

SOURCE = "oidc"
_ID_MAX = 120  # User.directory_id


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def start(redirect_uri: str):
    """The redirect to the provider; :class:`SsoRefused` when it cannot be reached."""
    return redirect_to_provider(from_config(current_app.config), redirect_uri)


def _text(claims: dict, name: str) -> str:
    value = claims.get(name) if name else None
    return str(value).strip() if isinstance(value, (str, int)) else ""


def account_id(sub: str) -> str:
    """The account's id at the provider, apart from the directory's ids; a subject too long
    for the column is kept as its digest."""
    kept = f"oidc:{sub}"
    if len(kept) > _ID_MAX:
        kept = "oidc:sha256:" + hashlib.sha256(sub.encode()).hexdigest()
    return kept


def entry_name(issuer: str, sub: str) -> str:
    """Where the person is, for admins to read: the provider and the subject there."""
    return f"{issuer} sub={sub}"


def person_from_claims(settings: OidcSettings, claims: dict) -> Person:
    """The person the ID token describes, in the terms the directory's accounts use."""
    names = settings.claims
    sub = _text(claims, names["id"])
    groups = claims.get(names["groups"]) if names["groups"] else None
    if isinstance(groups, str):
        groups = [groups]
    return Person(
        dn=entry_name(settings.issuer, sub),
        id=account_id(sub),
        email=_text(claims, names["email"]),
        name=_text(claims, names["name"]) or _text(claims, names["email"]),
        department=_text(claims, names["department"]),
        site=_text(claims, names["site"]),
        phone=_text(claims, names["phone"]),
        groups={normal_dn(str(g)) for g in groups or () if isinstance(g, (str, int))},
        locale=_text(claims, names["locale"]),
        # Roles are the provider's only when they are mapped and the token speaks of groups.
        roles_from_groups=groups is not None and bool(settings.role_groups),
    )


def _refuse(message: str, why: str) -> SsoRefused:
    log.warning("oidc: sign-in refused: %s", why)
    return SsoRefused(message)


def _checked_person(settings: OidcSettings, claims: dict) -> Person:
    person = person_from_claims(settings, claims)
    if not person.id.removeprefix("oidc:") or not accounts.usable_address(person):
        raise _refuse(
            _(
                "Your company account has no e-mail address Dispatch can use. Ask your "
                "administrator."
            ),
            f"{person.dn}: no subject or no usable e-mail address",
        )
    if claims.get("email_verified") is False:
        raise _refuse(
            _("Your company account's e-mail address is not verified. Ask your administrator."),
            f"{person.email}: email_verified is false",
        )
    domain = person.email.rpartition("@")[2]
    if settings.email_domains and domain not in settings.email_domains:
        raise _refuse(
            _("Accounts of %(domain)s cannot sign in here.", domain=domain),
            f"{person.email}: not one of OIDC_EMAIL_DOMAINS",
        )
    return person


def _directory_account(settings: OidcSettings, person: Person) -> User:
    """The directory's account with the person's address, when OIDC_DIRECTORY_ACCOUNTS lets
    the directory's people sign in by single sign-on too (the directory keeps their details);
    any other account with that address is refused."""
    user = db.session.scalar(db.select(User).filter_by(email=person.email))
    if settings.directory_accounts and user is not None and user.auth_source == "ldap":
        return user
    raise _already_exists(person)


def _already_exists(person: Person) -> SsoRefused:
    return _refuse(
        _(
            "An account with the address %(email)s already exists and signs in another "
            "way. Sign in as before; an administrator can link it to your company account.",
            email=person.email,
        ),
        f"{person.email} is another account's address or alias (an admin can link it)",
    )


def _active(user: User, person: Person) -> User:
    if not user.active:
        raise _refuse(
            _("Your account is deactivated. Ask your administrator if you need it again."),
            f"{person.email}: the account is deactivated",
        )
    return user


def sign_in() -> User:
    """The account of the person the provider sent back, created or brought up to date and
    committed; :class:`SsoRefused` with the reason otherwise (nothing is created then)."""
    settings = from_config(current_app.config)
    person = _checked_person(settings, verified_claims(settings))
    try:
        user = accounts.account_for(person, SOURCE)
    except accounts.LocalAccountConflict:
        return _active(_directory_account(settings, person), person)
    if user is None and db.session.scalar(
        db.select(EmailAlias.user_id).filter_by(email=person.email)
    ):
        raise _already_exists(person)  # another person's alias: their mail would be theirs
    if user is not None:
        _active(user, person)
    user = accounts.save_sign_in(settings, person, user, SOURCE)
    if user is None:
        raise SsoRefused(_("Sign-in failed. Please try again."))
    return user
