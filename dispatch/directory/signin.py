"""Signing in with the directory's password; the first sign-in creates the account."""

from __future__ import annotations

import logging

from flask import current_app

from dispatch.directory import accounts, client
from dispatch.directory.settings import from_config
from dispatch.extensions import db
from dispatch.people.models import User

log = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(current_app.config.get("LDAP_URL"))


def sign_in(login: str, password: str) -> User | None:
    """The account of the directory person with this login and password (created or brought
    up to date from the directory, and committed), or None: wrong password, unknown, disabled
    in the directory, a closed account, or a local account with the same address.
    :class:`~dispatch.directory.client.DirectoryUnavailable` when the directory cannot say."""
    settings = from_config(current_app.config)
    if settings is None or not password:
        return None
    try:
        person = client.check_password(settings, login.strip(), password)
    except client.DirectoryUnavailable as exc:
        log.error("directory: sign-in impossible, the directory is unavailable: %s", exc)
        raise  # the sign-in page says so: the same for every address but a local one's password
    if person is None or not accounts.usable_address(person):
        return None
    try:
        user = accounts.account_for(person)
    except accounts.LocalAccountConflict:
        return None
    if person.disabled:
        if user is not None and user.active:
            accounts.deactivate(user, None)
            db.session.commit()
        return None
    if user is not None and not user.active:
        if not user.directory_disabled:
            return None  # an admin closed it: the directory does not reopen it
        accounts.reactivate(user, None)
    return accounts.save_sign_in(settings, person, user, "ldap")
