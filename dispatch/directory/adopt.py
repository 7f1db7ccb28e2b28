"""Turning a local account into a directory account, on an admin's explicit command."""

from __future__ import annotations

from dispatch.directory import accounts, client
from dispatch.directory.settings import DirectorySettings
from dispatch.extensions import db
from dispatch.people.models import User


class AdoptError(Exception):
    pass


def adopt(settings: DirectorySettings, email: str, *, actor) -> User:
    """The local account ``email`` becomes the directory person's with that address: its
    password is dropped, its sessions end, and it takes the directory's details. One commit."""
    email = (email or "").strip().lower()
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        raise AdoptError(f"no account with the e-mail {email}")
    if user.auth_source == "ldap":
        raise AdoptError(f"{email} already signs in with the directory")
    conn = client.service_connection(settings)
    try:
        person = client.find(settings, conn, email)
    finally:
        conn.unbind()
    if person is None or person.email != email:
        raise AdoptError(f"the directory has no person with the e-mail {email}")
    user.auth_source = "ldap"
    user.end_sessions()
    accounts.apply(settings, person, user, actor)
    db.session.commit()
    return user
