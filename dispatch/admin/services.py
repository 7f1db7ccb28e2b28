"""Admin use cases: sites, departments, skills, groups and users.

Each public function is one transaction: it validates everything first, then changes and commits,
or raises dispatch.errors.ValidationError naming the form field at fault and changes nothing.
Uniqueness is left to the database (insert, catch IntegrityError), so two admins saving the same
name at once cannot both win. Each change is on the record of administration (dispatch.audit),
written in the same transaction by ``commit_unique``. Categories and their extra fields live in
dispatch.admin.catalog.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import time
from functools import lru_cache, partial
from typing import Any
from zoneinfo import available_timezones

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dispatch.audit.record import record_admin_event
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people import services as people
from dispatch.people.models import Department, Group, Role, Skill, User, user_groups, user_skills
from dispatch.sites.holidays import country_codes
from dispatch.sites.models import Site
from dispatch.sla.tracking import refresh_open
from dispatch.tickets.models import Ticket, category_skills, ticket_skills
from dispatch.translated import Translated, languages

Errors = dict[str, list[str]]


# --- helpers shared with dispatch.admin.catalog ------------------------------------------------


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (walking tzdata is slow: done once)."""
    # "localtime" and "Factory" are artefacts of some tzdata installs, not places.
    return frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


def clean_text(
    errors: Errors, name: str, value: str | None, max_len: int, *, required: bool = False
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(text) > max_len:
        errors.setdefault(name, []).append(_("At most %(n)d characters.", n=max_len))
    return text


def parse_choices(text: str | Iterable[str] | None) -> list[str]:
    """One choice per line; blank lines are ignored."""
    lines = text.splitlines() if isinstance(text, str) else (text or [])
    return [line.strip() for line in lines if line.strip()]


Translations = Mapping[str, Mapping[str, Any]]


def clean_translations(
    errors: Errors, given: Translations | None, limits: dict[str, int], row: Translated | None
) -> dict[str, dict[str, Any]]:
    """The other languages' versions of ``limits``' attributes, checked; errors are named
    ``<attribute>_<language>`` like the form's inputs. None keeps what ``row`` has (a caller
    that gives only the company's language, such as the API)."""
    if given is None:
        return {a: dict((row.translations or {}).get(a) or {}) if row else {} for a in limits}
    offered = set(languages())
    cleaned: dict[str, dict[str, Any]] = {}
    for attribute, limit in limits.items():
        texts = dict(given.get(attribute) or {})
        for code, value in texts.items():
            name = f"{attribute}_{code}"
            if code not in offered:
                errors[name] = [_("Unknown language %(code)s.", code=code)]
            elif attribute == "choices":
                texts[code] = parse_choices(value)
                if any(len(c) > limit for c in texts[code]):
                    errors[name] = [_("A choice has at most %(n)d characters.", n=limit)]
            else:
                texts[code] = clean_text(errors, name, value, limit)
        cleaned[attribute] = texts
    return cleaned


def in_languages(row: Translated) -> dict[str, Any]:
    """For the record: what ``row`` says in each language (nothing when it has no
    translation)."""
    return {"in_languages": row.translations} if row.translations else {}


def raise_if(errors: Errors) -> None:
    if errors:
        first = next(iter(errors))
        raise ValidationError(errors[first][0], field=first, errors=errors)


def by_ids(errors: Errors, name: str, model, ids: Iterable[int] | None) -> list:
    """The rows with these ids; an id that does not exist is an error on field ``name``."""
    wanted = set(ids or ())
    if not wanted:
        return []
    rows = list(db.session.scalars(select(model).where(model.id.in_(wanted))))
    if len(rows) != len(wanted):
        errors.setdefault(name, []).append(_("Unknown choice; reload the page and try again."))
    return sorted(rows, key=lambda r: r.name.lower())


def commit_unique(
    find_duplicate: Callable[[], tuple[str, str] | None],
    actor: User,
    row: Any,
    before: dict[str, Any] | None,
    snapshot: Callable[[Any], dict[str, Any]],
    then: Callable[[], Any] | None = None,
) -> None:
    """Record the change of ``row`` (``before``: its snapshot before, None if it is new) as
    ``actor``'s, then commit both; a unique constraint that fired becomes a ValidationError
    on the field at fault, and neither the change nor its record is saved.

    ``find_duplicate`` runs after the rollback and names the field (and message) that clashed.
    ``then`` runs once the change is flushed, in the same transaction (what follows from it).
    """
    try:
        db.session.flush()  # a new row gets its id, which the record names
        if then is not None:
            then()
        record_admin_event(
            actor, "created" if before is None else "changed", row, before, snapshot(row)
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        clash = find_duplicate() or ("name", _("This is already taken."))
        raise ValidationError(clash[1], field=clash[0]) from None
    except Exception:
        db.session.rollback()
        raise


def taken(model, column: str, value: Any, own_id: int | None, **scope: Any) -> bool:
    query = select(model.id).where(getattr(model, column) == value).filter_by(**scope)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query.limit(1)) is not None


def _named_duplicate(model, name: str, own_id: int | None):
    def find():
        if taken(model, "name", name, own_id):
            return "name", _("“%(name)s” already exists.", name=name)
        return None

    return find


# --- sites -----------------------------------------------------------------------------------


def site_snapshot(site: Site) -> dict[str, Any]:
    return {
        "name": site.name,
        "code": site.code,
        "address": site.address,
        "city": site.city,
        "timezone": site.timezone,
        "opens_at": site.opens_at.isoformat() if site.opens_at else None,
        "closes_at": site.closes_at.isoformat() if site.closes_at else None,
        "open_weekdays": site.open_weekdays,
        "country": site.country,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "active": bool(site.active),
    }


def save_site(
    site: Site | None,
    actor: User,
    *,
    name: str,
    code: str | None,
    address: str,
    city: str,
    timezone: str,
    opens_at: time | None,
    closes_at: time | None,
    weekdays: Iterable[int],
    latitude: float | None,
    longitude: float | None,
    active: bool = True,
    country: str = "",
) -> Site:
    """Create (``site`` None) or update a site. A change of its calendar (hours, days, time
    zone, country) moves the due times of its open tickets, in the same transaction."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, 120, required=True)
    code = clean_text(errors, "code", code, 20) or None
    address = clean_text(errors, "address", address, 300)
    city = clean_text(errors, "city", city, 120)
    timezone = (timezone or "").strip()
    if timezone not in time_zones():
        errors["timezone"] = [_("Unknown time zone; use a name like Europe/Bucharest.")]
    if opens_at is None:
        errors["opens_at"] = [_("Enter the opening time.")]
    if closes_at is None:
        errors["closes_at"] = [_("Enter the closing time.")]
    elif opens_at is not None and closes_at <= opens_at:
        errors["closes_at"] = [_("The site must close after it opens.")]
    days = sorted(set(weekdays or ()))
    if any(d not in range(7) for d in days):
        errors["weekdays"] = [_("Unknown weekday.")]
    _check_position(errors, latitude, longitude)
    country = (country or "").strip().upper()
    if country and country not in country_codes():
        errors["country"] = [_("Unknown country code %(c)s.", c=country)]
    raise_if(errors)

    own_id = site.id if site is not None else None
    before = site_snapshot(site) if site is not None else None
    if site is None:
        site = Site()
        db.session.add(site)
    site.name, site.code, site.address, site.city = name, code, address, city
    site.timezone, site.opens_at, site.closes_at = timezone, opens_at, closes_at
    site.open_weekdays = "".join(str(d) for d in days)
    site.latitude, site.longitude, site.active = latitude, longitude, bool(active)
    site.country = country
    moved = before is not None and _calendar_changed(before, site_snapshot(site))

    def find():
        if taken(Site, "name", name, own_id):
            return "name", _("“%(name)s” already exists.", name=name)
        if code and taken(Site, "code", code, own_id):
            return "code", _("Another site has the code %(code)s.", code=code)
        return None

    # The site's open tickets' due times move with its calendar .
    then = partial(refresh_open, db.session) if moved else None
    commit_unique(find, actor, site, before, site_snapshot, then)
    return site


def _calendar_changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    keys = ("timezone", "opens_at", "closes_at", "open_weekdays", "country")
    return any(before[k] != after[k] for k in keys)


def _check_position(errors: Errors, latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors[missing] = [_("Enter both latitude and longitude, or neither.")]
        return
    if latitude is None:
        return
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors["latitude"] = [_("Latitude is between -90 and 90.")]
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors["longitude"] = [_("Longitude is between -180 and 180.")]


# --- departments, skills, groups ---------------------------------------------------------------


def named_snapshot(row) -> dict[str, Any]:
    """A department, skill or group as the record keeps it (a group with its members)."""
    snapshot = {"name": row.name, "active": bool(row.active)}
    if isinstance(row, Department):
        snapshot |= in_languages(row)
    if isinstance(row, Group):
        snapshot["members"] = sorted(m.email for m in row.members)
    return snapshot


def save_named(
    model, row, actor: User, *, name: str, active: bool = True, max_len: int = 120, texts=None
):
    """Create or rename a department or a skill (a department with its ``texts`` in each
    language, see ``clean_translations``)."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, max_len, required=True)
    raise_if(errors)
    own_id = row.id if row is not None else None
    before = named_snapshot(row) if row is not None else None
    if row is None:
        row = model()
        db.session.add(row)
    row.name, row.active = name, bool(active)
    if texts is not None:
        row.set_translations(texts)
    commit_unique(_named_duplicate(model, name, own_id), actor, row, before, named_snapshot)
    return row


def save_department(
    dept: Department | None,
    actor: User,
    *,
    name: str,
    active: bool = True,
    translations: Translations | None = None,
) -> Department:
    """Create or rename a department: ``name`` in the company's language, ``translations``
    the others' ({"name": {"ro": …}})."""
    errors: Errors = {}
    texts = clean_translations(errors, translations, {"name": 120}, dept)
    raise_if(errors)
    return save_named(Department, dept, actor, name=name, active=active, texts=texts)


def save_skill(skill: Skill | None, actor: User, *, name: str, active: bool = True) -> Skill:
    return save_named(Skill, skill, actor, name=name, active=active, max_len=80)


def save_group(
    group: Group | None,
    actor: User,
    *,
    name: str,
    member_ids: Iterable[int] = (),
    active: bool = True,
) -> Group:
    """Create or update a group of agents; only support agents can be members."""
    errors: Errors = {}
    name = clean_text(errors, "name", name, 120, required=True)
    members = by_ids(errors, "member_ids", User, member_ids)
    if any(m.role != Role.AGENT for m in members):
        errors.setdefault("member_ids", []).append(_("Only support agents can be group members."))
    raise_if(errors)
    own_id = group.id if group is not None else None
    before = named_snapshot(group) if group is not None else None
    if group is None:
        group = Group()
        db.session.add(group)
    group.name, group.members, group.active = name, members, bool(active)
    commit_unique(_named_duplicate(Group, name, own_id), actor, group, before, named_snapshot)
    return group


def usage(row) -> int:
    """How many users, categories and tickets point at this department, skill or group."""
    if isinstance(row, Department):
        counts = [
            select(func.count()).where(User.department_id == row.id),
            select(func.count()).where(Ticket.department_id == row.id),
        ]
    elif isinstance(row, Skill):
        counts = [
            select(func.count()).where(t.c.skill_id == row.id)
            for t in (user_skills, category_skills, ticket_skills)
        ]
    else:
        counts = [
            select(func.count()).where(user_groups.c.group_id == row.id),
            select(func.count()).where(Ticket.group_id == row.id),
        ]
    return sum(db.session.scalar(q) for q in counts)


def delete_unused(row, actor: User) -> None:
    """Delete a department, skill or group nobody uses; anything in use is deactivated instead.
    The record keeps what was deleted."""
    if usage(row):
        raise ValidationError(
            _("“%(name)s” is in use: deactivate it instead.", name=row.name), field="active"
        )
    record_admin_event(actor, "deleted", row, named_snapshot(row), None)
    db.session.delete(row)
    try:
        db.session.commit()
    except IntegrityError:  # someone started using it meanwhile
        db.session.rollback()
        raise ValidationError(
            _("“%(name)s” is in use: deactivate it instead.", name=row.name), field="active"
        ) from None


# --- users -----------------------------------------------------------------------------------


def save_user(
    user: User | None,
    actor: User,
    *,
    email: str,
    name: str,
    role: str,
    department_id: int | None = None,
    site_id: int | None = None,
    phone: str = "",
    locale: str | None = None,
    skill_ids: Iterable[int] = (),
    group_ids: Iterable[int] = (),
    sees_department: bool = False,
    active: bool = True,
    password: str | None = None,
) -> User:
    """Create or update an account. Skills are kept for field technicians only and groups for
    support agents only; an admin can neither demote nor deactivate themselves."""
    errors: Errors = {}
    email = _clean_email(errors, email, user)
    name = clean_text(errors, "name", name, people.NAME_MAX, required=True)
    phone = clean_text(errors, "phone", phone, 40)
    if role not in set(Role):
        errors["role"] = [_("Choose a role.")]
    if user is not None and user.id == actor.id:
        if role != Role.ADMIN:
            errors["role"] = [_("You cannot take the administrator role from yourself.")]
        if not active:
            errors["active"] = [_("You cannot deactivate your own account.")]
        # Here no one asks for the current password: an unattended session must not be
        # enough to take the account over, directly or through a reset link mailed elsewhere.
        if password:
            errors["password"] = [
                _("Change your own password on your account page, which asks for the current one.")
            ]
        if email != user.email:  # _clean_email returns an unchanged address as stored
            errors["email"] = [
                _("Another administrator changes your address: password links are sent to it.")
            ]
    department = _get(errors, "department_id", Department, department_id)
    site = _get(errors, "site_id", Site, site_id)
    skills = by_ids(errors, "skill_ids", Skill, skill_ids) if role == Role.TECHNICIAN else []
    groups = by_ids(errors, "group_ids", Group, group_ids) if role == Role.AGENT else []
    try:
        locale = people.clean_locale(locale)
    except ValidationError as exc:
        errors["locale"] = [exc.message]
    if password and user is not None and user.auth_source != "local" and "password" not in errors:
        # It would never be asked for: the directory or the provider checks this person.
        errors["password"] = [
            _(
                "This person signs in with the company directory or single sign-on: make the "
                "account local below to give it a password."
            )
        ]
    problem = people.password_problem(password) if password else None
    if problem and "password" not in errors:
        errors["password"] = [problem]
    raise_if(errors)

    own_id = user.id if user is not None else None
    before = people.user_snapshot(user) if user is not None else None
    if user is None:
        user = User()
        db.session.add(user)
    user.email, user.name, user.role, user.phone = email, name, role, phone
    user.department, user.site, user.skills, user.groups = department, site, skills, groups
    user.sees_department, user.locale = bool(sees_department), locale
    people.set_active(user, active)
    if password:
        user.set_password(password)
        if before is not None:  # a new account's first password is part of its creation
            record_admin_event(actor, "password_changed", user)

    def find():
        if taken(User, "email", email, own_id):
            return "email", _("Another account uses %(email)s.", email=email)
        return None

    commit_unique(find, actor, user, before, people.user_snapshot)
    return user


def _clean_email(errors: Errors, email: str, user: User | None) -> str:
    """The address under the rules of dispatch.people.services; an unchanged address is kept
    as it is (mail may have created the account with one those rules would refuse)."""
    text = (email or "").strip()
    if user is not None and text.lower() == user.email:
        return user.email
    try:
        return people.normalise_email(text)
    except ValidationError as exc:
        errors.setdefault("email", []).append(exc.message)
        return text.lower()


def _get(errors: Errors, name: str, model, id_: int | None):
    if id_ is None:
        return None
    row = db.session.get(model, id_)
    if row is None:
        errors[name] = [_("Unknown choice; reload the page and try again.")]
    return row
