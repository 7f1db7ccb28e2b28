"""People: users and their roles, departments, groups of agents, skills, API tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dispatch.collation import create_extension_with
from dispatch.extensions import db
from dispatch.translated import Translated
from dispatch.types import UTCDateTime, utcnow


class Role(StrEnum):
    EMPLOYEE = "employee"
    AGENT = "agent"
    TECHNICIAN = "technician"
    DISPATCHER = "dispatcher"
    ADMIN = "admin"


#: Roles that work tickets on the company's side ("staff").
STAFF_ROLES = frozenset({Role.AGENT, Role.TECHNICIAN, Role.DISPATCHER, Role.ADMIN})

user_groups = Table(
    "user_group",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("agent_group.id", ondelete="CASCADE"), primary_key=True),
)

user_skills = Table(
    "user_skill",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Translated, db.Model):
    """A part of the company; employees read its name in their language (dispatch.translated)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Referenced rows are deactivated (hidden from pickers), not deleted.
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.text("name")


class Skill(db.Model):
    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Referenced rows are deactivated (hidden from pickers), not deleted.
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


class Group(db.Model):
    """A team of agents that tickets can be assigned to."""

    __tablename__ = "agent_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Referenced rows are deactivated (hidden from pickers), not deleted.
    active: Mapped[bool] = mapped_column(default=True)
    members: Mapped[list[User]] = relationship(secondary=user_groups, back_populates="groups")

    def __str__(self) -> str:
        return self.name


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default=Role.EMPLOYEE)
    phone: Mapped[str] = mapped_column(String(40), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    # An admin may let an employee see every ticket of their department.
    sees_department: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The language of the pages and of the mail this person gets, one of LANGUAGES; None follows
    # the browser's (and mail goes in the company's DEFAULT_LOCALE).
    locale: Mapped[str | None] = mapped_column(String(10))
    # Part of the session stamp: raised when the account is deactivated or reactivated and on
    # signing out, so sessions (even a copied cookie) and password links from before die.
    session_generation: Mapped[int] = mapped_column(default=0)
    # "local" (a password of ours), "ldap" (the company directory checks the password; none
    # is stored here) or "oidc" (single sign-on at the company's provider). Never two: a local
    # account is linked to the directory or the provider only by an admin.
    auth_source: Mapped[str] = mapped_column(String(10), default="local", server_default="local")
    # The directory's stable id of the person (entryUUID, objectGUID): names and DNs change.
    directory_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    # Where that person is, for admins to read: the DN in the directory, or the provider's
    # issuer and subject (kept as of the last sign-in, sync or link; the id is what counts).
    directory_dn: Mapped[str | None] = mapped_column(String(500))
    # Set when the directory's sync (or sign-in) deactivated the account, so that only such an
    # account comes back when the directory enables the person again, not one an admin closed.
    directory_disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()
    site: Mapped[Site | None] = relationship()  # noqa: F821
    groups: Mapped[list[Group]] = relationship(secondary=user_groups, back_populates="members")
    skills: Mapped[list[Skill]] = relationship(secondary=user_skills)

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def set_active(self, active: bool) -> None:
        """Activate or deactivate; either way the sessions and password links from before end."""
        if self.active is not None and bool(active) != self.active:  # None: not saved yet
            self.end_sessions()
        self.active = bool(active)

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of the account (and every password link sent
        to it) stops working: the stamp they carry changes (not committed here)."""
        self.session_generation = (self.session_generation or 0) + 1

    @property
    def password_stamp(self) -> str:
        """Changes whenever the password does (each hash has a fresh salt) or the account is
        deactivated or reactivated, so a session or a password link that carries it dies then.
        Reveals nothing of the hash."""
        # Generation 0 leaves the stamp as it was before generations existed: sessions from
        # then stay valid after the upgrade.
        generation = b"%d:" % self.session_generation if self.session_generation else b""
        digest = hashlib.sha256(
            b"dispatch-password-stamp:" + generation + (self.password_hash or "").encode()
        )
        return digest.hexdigest()[:16]

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie; the user loader
        # (dispatch.auth.services) refuses it once the password has changed.
        return f"{self.id}:{self.password_stamp}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.name


# The admin list's search folds names in SQL (dispatch.collation.folded): unaccent on PostgreSQL.
create_extension_with(User.__table__, "unaccent")


class EmailAlias(db.Model):
    """Another address of a person (the directory's proxyAddresses or extra mail values): mail
    from it finds the same account."""

    __tablename__ = "email_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


from dispatch.sites.models import Site  # noqa: E402  (resolves the string annotation above)
