"""A directory person as an account: created on first sign-in or by the sync, updated from the
directory, deactivated when they leave it. Nothing here commits: the caller's use case does,
once."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.exc import IntegrityError

from dispatch.audit.record import record_admin_event
from dispatch.directory.client import Person, normal_dn
from dispatch.directory.oidc_settings import OidcSettings
from dispatch.directory.settings import ROLES, DirectorySettings
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people import services as people
from dispatch.people.models import Department, EmailAlias, User
from dispatch.sites.lookup import find_site

log = logging.getLogger(__name__)

NAME_MAX, PHONE_MAX = 120, 40
#: How an admin turns a local account into one of each source.
ADOPT_COMMANDS = {"ldap": "directory adopt", "oidc": "oidc link"}


class LocalAccountConflict(Exception):
    """A local account has the directory person's address: it is not taken over silently."""

    def __init__(self, email: str, dn: str, command: str = "directory adopt") -> None:
        super().__init__(
            f"{email} is a local account and also a directory person ({dn}); it was not "
            f"taken over: link it on its admin page or with `flask {command} {email}`"
        )


def spoken_language(value: str) -> str:
    """A directory's or provider's language ("ro-RO", "ro_RO", "ro") as one of the installation's
    LANGUAGES ("ro"), or "" when it speaks none of them."""
    languages = current_app.config["LANGUAGES"]
    value = (value or "").strip()
    for candidate in (value, value.replace("_", "-").split("-")[0].lower()):
        if candidate in languages:
            return candidate
    return ""


def role_for(settings: DirectorySettings | OidcSettings, groups: set[str]) -> str:
    """The highest role any of the person's groups gives (employee when none does)."""
    mapped = {normal_dn(dn): role for dn, role in settings.role_groups.items()}
    roles = [mapped[g] for g in groups if g in mapped]
    return max(roles, key=ROLES.index, default="employee")


def _department(name: str, actor) -> Department | None:
    name = name.strip()[:120]
    if not name:
        return None
    found = db.session.scalar(db.select(Department).filter_by(name=name))
    if found is None:
        found = Department(name=name)
        db.session.add(found)
        db.session.flush()
        record_admin_event(actor, "created", found, None, {"name": name})
    return found


def usable_address(person: Person) -> bool:
    """Whether the person has an address an account can have (checked as the admin pages
    check one); the address is kept normalised."""
    try:
        person.email = people.normalise_email(person.email)
    except ValidationError:
        log.warning("directory: %s has no usable e-mail address (%r)", person.dn, person.email)
        return False
    return True


def account_for(person: Person, source: str = "ldap") -> User | None:
    """The account of a person of the directory (``source`` "ldap") or of the single sign-on
    provider ("oidc"): by their id there, else by their address. An account with that address
    that signs in another way (a local one, say) raises :class:`LocalAccountConflict`."""
    user = db.session.scalar(db.select(User).filter_by(directory_id=person.id))
    if user is not None:
        return user
    user = db.session.scalar(db.select(User).filter_by(email=person.email))
    if user is not None and (
        user.auth_source != source or user.directory_id not in (None, person.id)
    ):
        conflict = LocalAccountConflict(person.email, person.dn, ADOPT_COMMANDS[source])
        log.warning("directory: %s", conflict)
        raise conflict
    return user


def _set_aliases(user: User, aliases: list[str]) -> list[str]:
    """Keep the person's other addresses; one that is already someone else's is left out (and
    returned, for the admin to look at)."""
    taken = []
    current = {
        a.email: a for a in db.session.scalars(db.select(EmailAlias).filter_by(user_id=user.id))
    }
    for address in set(current) - set(aliases):
        db.session.delete(current[address])
    for address in sorted(set(aliases) - set(current)):
        other = db.session.scalar(db.select(User.id).filter_by(email=address))
        owner = db.session.scalar(db.select(EmailAlias.user_id).filter_by(email=address))
        if (other is not None and other != user.id) or owner is not None:
            taken.append(address)
            continue
        db.session.add(EmailAlias(user_id=user.id, email=address))
    return taken


def snapshot(user: User) -> dict:
    return {
        **people.user_snapshot(user),
        "aliases": sorted(
            db.session.scalars(db.select(EmailAlias.email).filter_by(user_id=user.id))
        ),
    }


def apply(
    settings: DirectorySettings | OidcSettings,
    person: Person,
    user: User | None,
    actor,
    source: str = "ldap",
) -> tuple[User, str | None, list[str]]:
    """Create or update the account from the directory or the single sign-on provider
    (``source``), recorded as ``actor``'s change. Returns the account, "created", "changed" or
    None (nothing changed), and problems."""
    problems: list[str] = []
    before = None
    if user is None:
        user = User(
            email=person.email, auth_source=source, password_hash=None, role="employee", name=""
        )
        db.session.add(user)
    else:
        before = snapshot(user)
    user.auth_source, user.directory_id, user.password_hash = source, person.id, None
    user.directory_dn = person.dn[:500]
    language = spoken_language(person.locale)
    if language and user.locale is None:
        user.locale = language  # the person's own choice here, once made, stays
    user.email = person.email
    user.name = person.name[:NAME_MAX]
    user.phone = person.phone[:PHONE_MAX]
    if person.roles_from_groups:
        user.role = role_for(settings, person.groups)
    user.department = _department(person.department, actor) or user.department
    if person.site:
        site = find_site(person.site)
        if site is None:
            problems.append(f"{person.email}: no site named {person.site!r}")
        else:
            user.site = site
    db.session.flush()
    for address in _set_aliases(user, person.aliases):
        problems.append(f"{person.email}: the alias {address} belongs to another account")
    db.session.flush()
    after = snapshot(user)
    if before is None:
        record_admin_event(actor, "created", user, None, after)
        return user, "created", problems
    changed = record_admin_event(actor, "changed", user, before, after)
    return user, ("changed" if changed is not None else None), problems


def save_sign_in(
    settings: DirectorySettings | OidcSettings, person: Person, user: User | None, source: str
) -> User | None:
    """At a sign-in: the account created or brought up to date and committed (None when the
    same person's first sign-in ran twice at once and the other one's account is not active)."""
    user, _change, problems = apply(settings, person, user, None, source=source)
    for problem in problems:
        log.warning("%s: %s", "directory" if source == "ldap" else source, problem)
    try:
        db.session.commit()
    except IntegrityError:
        # The same person's first sign-in twice at once: the other one created the account.
        db.session.rollback()
        return db.session.scalar(
            db.select(User).filter_by(directory_id=person.id, active=True, auth_source=source)
        )
    return user


def deactivate(user: User, actor) -> None:
    """The person left the directory or is disabled there: the account is closed (never
    deleted), its sessions and API tokens end."""
    before = snapshot(user)
    people.set_active(user, False)
    user.directory_disabled = True
    record_admin_event(actor, "changed", user, before, snapshot(user))


def reactivate(user: User, actor) -> None:
    """Only an account the directory closed comes back when the directory enables the person."""
    before = snapshot(user)
    people.set_active(user, True)
    user.directory_disabled = False
    record_admin_event(actor, "changed", user, before, snapshot(user))
