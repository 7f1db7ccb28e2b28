"""Importing people from a CSV file, for a company without a directory.

Columns (a header row names them, in any order; only ``email`` is required): name, email (or
e-mail), department, site, role, language. Every row is checked before anything is written and
each fault is reported by line and column; then everyone is created in one transaction, or
nobody. Each new person gets a welcome mail with a link to set their password: the mail package
queues them (:data:`people_imported`) at a rate of ``PEOPLE_IMPORT_MAILS_PER_HOUR``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from blinker import Signal
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from dispatch.audit.record import record_admin_event
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Department, EmailAlias, Role, User
from dispatch.people.services import NAME_MAX, normalise_email, user_snapshot
from dispatch.sites.lookup import find_site
from dispatch.sites.models import Site

HEADERS = {
    "name": "name",
    "email": "email",
    "e-mail": "email",
    "department": "department",
    "site": "site",
    "role": "role",
    "language": "language",
}
DEPARTMENT_MAX = 120

#: Sent with the accounts just created, before the commit: the mail package queues their
#: welcome mails in the same transaction.
people_imported = Signal("people were imported")


@dataclass(frozen=True)
class Fault:
    line: int
    column: str
    message: str


@dataclass
class Row:
    line: int
    email: str
    name: str
    department: str = ""
    site: Site | None = None
    role: str = Role.EMPLOYEE
    language: str | None = None


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    @property
    def new_departments(self) -> list[str]:
        named = {r.department for r in self.rows if r.department}
        known = set(
            db.session.scalars(db.select(Department.name).where(Department.name.in_(named)))
        )
        return sorted(named - known)


class ImportRefused(ValidationError):
    """The file has faults: nothing was imported."""

    def __init__(self, faults: list[Fault]) -> None:
        super().__init__(
            ngettext(
                "Nothing was imported: the file has %(num)d fault.",
                "Nothing was imported: the file has %(num)d faults.",
                len(faults),
            ),
            field="file",
        )
        self.faults = faults


def decode(data: bytes) -> str:
    """The file's text (UTF-8, with or without a byte order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), field="file"
        ) from None


def _dialect(text: str) -> str:
    """The delimiter the header row uses: spreadsheets in Romania save with ";"."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _columns(header: list[str], faults: list[Fault]) -> list[str | None]:
    columns: list[str | None] = []
    for name in header:
        key = HEADERS.get(name.strip().lower())
        if key is None and name.strip():
            faults.append(
                Fault(
                    1, name.strip(), _("unknown column; known: %(known)s", known=", ".join(HEADERS))
                )
            )
        if key is not None and key in columns:
            faults.append(Fault(1, name.strip(), _("this column appears twice")))
        columns.append(key)
    if "email" not in columns:
        faults.append(Fault(1, "email", _("the file has no e-mail column")))
    return columns


def _row(line: int, values: dict[str, str], faults: list[Fault]) -> Row | None:
    def fault(column: str, message: str) -> None:
        faults.append(Fault(line, column, message))

    try:
        email = normalise_email(values.get("email", ""))
    except ValidationError as exc:
        fault("email", exc.message)
        email = ""
    name = values.get("name", "").strip() or email.split("@", 1)[0]
    if len(name) > NAME_MAX:
        fault("name", _("At most %(n)d characters.", n=NAME_MAX))
    row = Row(line=line, email=email, name=name, department=values.get("department", "").strip())
    if len(row.department) > DEPARTMENT_MAX:
        fault("department", _("At most %(n)d characters.", n=DEPARTMENT_MAX))
    if site := values.get("site", "").strip():
        row.site = find_site(site)
        if row.site is None:
            fault("site", _("no site is named or coded %(s)s", s=site))
    if role := values.get("role", "").strip().lower():
        if role not in set(Role):
            fault("role", _("%(r)s is not one of: %(roles)s", r=role, roles=", ".join(Role)))
        row.role = role
    if language := values.get("language", "").strip().lower():
        languages = current_app.config["LANGUAGES"]
        if language not in languages:
            fault(
                "language", _("%(l)s is not one of: %(all)s", l=language, all=", ".join(languages))
            )
        row.language = language
    return row if email else None


def _taken(rows: list[Row], faults: list[Fault]) -> None:
    """Addresses twice in the file, or already an account's (or an alias of one)."""
    first: dict[str, int] = {}
    for row in rows:
        if row.email in first:
            faults.append(
                Fault(row.line, "email", _("the same address is on line %(n)d", n=first[row.email]))
            )
        first.setdefault(row.email, row.line)
    emails = list(first)
    existing = set(db.session.scalars(db.select(User.email).where(User.email.in_(emails))))
    existing |= set(
        db.session.scalars(db.select(EmailAlias.email).where(EmailAlias.email.in_(emails)))
    )
    for row in rows:
        if row.email in existing:
            faults.append(Fault(row.line, "email", _("an account with this address exists")))


def check(text: str) -> Checked:
    """Every row of the file checked against the people and sites there are; nothing written."""
    checked = Checked()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            checked.faults.append(Fault(1, "", _("the file is empty")))
            return checked
        columns = _columns(header, checked.faults)
        limit = current_app.config["PEOPLE_IMPORT_MAX_ROWS"]
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) > len(columns):
                checked.faults.append(Fault(line, "", _("more values than the header has columns")))
                continue
            row = _row(
                line, {c: v for c, v in zip(columns, values, strict=False) if c}, checked.faults
            )
            if row is not None:
                checked.rows.append(row)
            if len(checked.rows) > limit:
                checked.faults.append(
                    Fault(
                        line,
                        "",
                        ngettext(
                            "at most %(num)d person a file", "at most %(num)d people a file", limit
                        ),
                    )
                )
                break
    except csv.Error as exc:
        checked.faults.append(Fault(reader.line_num, "", _("unreadable CSV: %(e)s", e=str(exc))))
    _taken(checked.rows, checked.faults)
    checked.faults.sort(key=lambda f: f.line)
    return checked


def import_people(text: str, *, actor, welcome: bool = True) -> list[User]:
    """Create everyone in the file, in one transaction, or nobody (:class:`ImportRefused` with
    every fault). The accounts are local, without a password until the welcome link sets one."""
    checked = check(text)
    if checked.faults or not checked.rows:
        raise ImportRefused(checked.faults or [Fault(1, "", _("the file has nobody in it"))])
    departments = {d.name: d for d in db.session.scalars(db.select(Department))}
    users = []
    try:
        for row in checked.rows:
            if row.department and row.department not in departments:
                departments[row.department] = Department(name=row.department)
                db.session.add(departments[row.department])
                db.session.flush()
                record_admin_event(
                    actor, "created", departments[row.department], None, {"name": row.department}
                )
            user = User(
                email=row.email,
                name=row.name,
                role=row.role,
                locale=row.language,
                password_hash=None,
                site=row.site,
                department=departments.get(row.department),
            )
            db.session.add(user)
            users.append(user)
        db.session.flush()
        for user in users:
            record_admin_event(actor, "created", user, None, user_snapshot(user))
        if welcome:
            people_imported.send(users)
        db.session.commit()
    except IntegrityError:
        # Someone created one of these accounts meanwhile: nothing of the file is kept.
        db.session.rollback()
        raise ImportRefused(
            [Fault(1, "email", _("an account with one of these addresses was just created"))]
        ) from None
    return users
