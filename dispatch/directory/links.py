"""How an account signs in, changed by an admin's explicit act: a local account linked to a
person of the company directory or to a single sign-on subject, or a linked account made local
again. The admin pages and ``flask directory adopt`` / ``flask oidc link`` call these same
functions. A sign-in never does any of this: an entry or subject is never silently shared
by two accounts. Each change is one commit with its event on the record of administration."""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Signal
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from dispatch.audit.record import record_admin_event
from dispatch.directory import accounts, client
from dispatch.directory.client import Person
from dispatch.directory.oidc_signin import SOURCE as SSO
from dispatch.directory.oidc_signin import account_id, entry_name
from dispatch.directory.settings import DirectorySettings
from dispatch.errors import DispatchError
from dispatch.extensions import db
from dispatch.people.models import EmailAlias, User

DIRECTORY, LOCAL = "ldap", "local"
_SUBJECT_MAX = 255

#: Sent with an account made local again (and ``purpose``) when the admin asked for a link to
#: set its password, before the commit: the mail package queues it in the same transaction.
password_link_wanted = Signal("an account made local needs a password")


class LinkRefused(DispatchError):
    """The link or unlink cannot be made; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class SignIn:
    """How an account signs in, for the admin page."""

    source: str  # "local", "ldap" or "oidc"
    dn: str = ""  # the directory's DN of the person
    issuer: str = ""  # the single sign-on provider
    subject: str = ""  # the person's subject there ("" until their first sign-in binds it)
    has_password: bool = False


def sign_in_of(user: User) -> SignIn:
    if user.auth_source == DIRECTORY:
        return SignIn(DIRECTORY, dn=user.directory_dn or "")
    if user.auth_source == SSO:
        issuer, _sep, subject = (user.directory_dn or "").rpartition(" sub=")
        return SignIn(SSO, issuer=issuer, subject=subject)
    return SignIn(LOCAL, has_password=bool(user.password_hash))


def account_by_email(email: str) -> User:
    """The account with this address (for the command line); :class:`LinkRefused` if none."""
    email = (email or "").strip().lower()
    user = db.session.scalar(db.select(User).filter_by(email=email)) if email else None
    if user is None:
        raise LinkRefused(_("No account has the address %(email)s.", email=email))
    return user


def _snapshot(user: User) -> dict:
    return {
        **accounts.snapshot(user),
        "signs_in_with": user.auth_source,
        "directory_entry": user.directory_dn,
    }


def _check_local(user: User, actor) -> None:
    if isinstance(actor, User) and actor.id == user.id:
        raise LinkRefused(
            _("You cannot change how you sign in yourself; another administrator can.")
        )
    if user.auth_source != LOCAL:
        raise LinkRefused(
            _(
                "%(email)s already signs in another way; make it local first.",
                email=user.email,
            )
        )


def _holder(user: User, *, directory_id: str) -> User | None:
    """Another account already linked to this entry or subject."""
    return db.session.scalar(
        db.select(User).where(User.directory_id == directory_id, User.id != user.id)
    )


def _address_owner(user: User, email: str) -> str | None:
    """The address of another account that has ``email`` as its address or an alias."""
    other = db.session.scalar(db.select(User).where(User.email == email, User.id != user.id))
    if other is not None:
        return other.email
    alias = db.session.scalar(
        db.select(EmailAlias).where(EmailAlias.email == email, EmailAlias.user_id != user.id)
    )
    if alias is not None:
        return db.session.get(User, alias.user_id).email
    return None


def directory_person(settings: DirectorySettings, user: User, login: str, *, actor) -> Person:
    """The directory person ``login`` names (their login or address there), as linking
    ``user`` to them would fill the account in; :class:`LinkRefused` when they cannot be
    linked: unknown, disabled, the directory unreachable, or already someone else's."""
    _check_local(user, actor)
    login = (login or "").strip()
    if not login:
        raise LinkRefused(_("Type the person's login or e-mail address in the directory."))
    try:
        conn = client.service_connection(settings)
        try:
            person = client.find(settings, conn, login)
        finally:
            conn.unbind()
    except client.DirectoryUnavailable as exc:
        raise LinkRefused(
            _("The directory is unavailable (%(reason)s). Nothing was changed.", reason=str(exc))
        ) from exc
    if person is None:
        raise LinkRefused(
            _("The directory has no person (or several) with the login %(login)s.", login=login)
        )
    if not accounts.usable_address(person):
        raise LinkRefused(_("%(dn)s has no e-mail address an account can have.", dn=person.dn))
    if person.disabled:
        raise LinkRefused(_("%(dn)s is disabled in the directory.", dn=person.dn))
    holder = _holder(user, directory_id=person.id)
    if holder is not None:
        raise LinkRefused(
            _(
                "%(dn)s is already linked to the account %(email)s.",
                dn=person.dn,
                email=holder.email,
            )
        )
    owner = _address_owner(user, person.email)
    if owner is not None:
        raise LinkRefused(
            _(
                "The directory's address for this person, %(address)s, is the account %(email)s's.",
                address=person.email,
                email=owner,
            )
        )
    return person


def link_directory(
    settings: DirectorySettings, user: User, login: str, *, actor, expected_id: str | None = None
) -> list[str]:
    """Link the local account ``user`` to the directory person ``login`` names: its password
    is dropped, its sessions end, and it takes the directory's details. ``expected_id`` is the
    person shown to the admin, so that a directory that changed in between is not linked
    unseen. Returns what the admin should look at (a site not found, an alias taken)."""
    person = directory_person(settings, user, login, actor=actor)
    if expected_id is not None and person.id != expected_id:
        raise LinkRefused(
            _("The directory's answer changed since it was shown; look the person up again.")
        )
    before = _snapshot(user)
    user.end_sessions()
    _user, _change, problems = accounts.apply(settings, person, user, actor)
    record_admin_event(actor, "changed", user, before, _snapshot(user))
    _commit()
    return problems


def link_sso(user: User, *, actor, issuer: str, subject: str = "") -> None:
    """Let the local account ``user`` sign in with the company account: its password is
    dropped and its sessions end. With ``subject`` it is that subject's at the provider; without,
    its next single sign-on with its address binds the subject."""
    _check_local(user, actor)
    subject = (subject or "").strip()
    if len(subject) > _SUBJECT_MAX or any(ord(c) < 32 for c in subject):
        raise LinkRefused(_("That is not a subject: at most 255 characters, on one line."))
    if subject:
        holder = _holder(user, directory_id=account_id(subject))
        if holder is not None:
            raise LinkRefused(
                _(
                    "The subject %(subject)s is already linked to the account %(email)s.",
                    subject=subject,
                    email=holder.email,
                )
            )
    before = _snapshot(user)
    user.auth_source, user.password_hash = SSO, None
    user.directory_id = account_id(subject) if subject else None
    user.directory_dn = entry_name(issuer, subject)[:500] if subject else None
    user.end_sessions()
    record_admin_event(actor, "changed", user, before, _snapshot(user))
    _commit()


def unlink(user: User, *, actor, send_password_link: bool = False) -> None:
    """Make a directory or single sign-on account local again: it keeps its details and
    tickets, has no password until its owner sets one (``send_password_link`` mails them a
    link), and its sessions end."""
    if isinstance(actor, User) and actor.id == user.id:
        raise LinkRefused(
            _("You cannot change how you sign in yourself; another administrator can.")
        )
    if user.auth_source == LOCAL:
        raise LinkRefused(_("%(email)s already signs in with a password.", email=user.email))
    before = _snapshot(user)
    user.auth_source, user.password_hash = LOCAL, None
    user.directory_id = user.directory_dn = None
    user.directory_disabled = False  # the directory no longer opens or closes it
    user.end_sessions()
    record_admin_event(actor, "changed", user, before, _snapshot(user))
    if send_password_link and user.active:
        password_link_wanted.send(user, purpose="welcome")
    _commit()


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another admin linked the same entry at the same moment
        db.session.rollback()
        raise LinkRefused(
            _("Someone else changed these accounts at the same time. Nothing was changed.")
        ) from None
