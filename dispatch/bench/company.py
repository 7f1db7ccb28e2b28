"""The generated company's places and people: 30 sites in ten Romanian cities, departments,
categories, 2,000 employees, agents and dispatchers, 40 technicians with their hours, and API
tokens. Deterministic: the same seed gives the same rows (times count back from today).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import psycopg
from werkzeug.security import generate_password_hash

from dispatch.bench import words
from dispatch.bench.rows import copy_rows
from dispatch.tickets.folding import fold

PASSWORD = "bench-password-2026"
DOMAIN = "bench.example.com"
TIMEZONE = "Europe/Bucharest"


@dataclass(frozen=True)
class Size:
    """How big a company to make (the issue's company by default)."""

    tickets: int = 100_000
    employees: int = 2_000
    sites: int = 30
    technicians: int = 40
    visits: int = 5_000  # 200 of them on the planned day
    board_visits: int = 200
    heavy_tickets: int = 20  # tickets whose record is 50 events long
    agents: int = 12
    dispatchers: int = 3
    api_tokens: int = 100
    plan_seconds: int = 10  # the engine's time for the planned day
    seed: int = 1


@dataclass
class Person:
    id: int
    name: str
    email: str
    site_id: int | None = None
    department_id: int | None = None


@dataclass
class Company:
    """What the ticket history and the scenarios need to know of the rows written."""

    today: date
    sites: dict[int, tuple[str, str, float, float]] = field(default_factory=dict)
    departments: list[int] = field(default_factory=list)
    categories: dict[str, tuple[int, str | None, int]] = field(default_factory=dict)
    groups: list[int] = field(default_factory=list)
    admin: Person | None = None
    dispatchers: list[Person] = field(default_factory=list)
    agents: list[Person] = field(default_factory=list)
    technicians: list[Person] = field(default_factory=list)
    employees: list[Person] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # API tokens of the first employees

    @property
    def now(self) -> datetime:
        return datetime.combine(self.today, time(9, 0), tzinfo=UTC)


def _name(rng: random.Random, romanian: bool) -> str:
    first, last = (
        (words.ROMANIAN_FIRST, words.ROMANIAN_LAST)
        if romanian
        else (words.ENGLISH_FIRST, words.ENGLISH_LAST)
    )
    return f"{rng.choice(first)} {rng.choice(last)}"


def _email(name: str, n: int) -> str:
    local = ".".join(fold(part) for part in name.split())
    return f"{local}.{n}@{DOMAIN}"


def write_places(conn: psycopg.Connection, company: Company, size: Size, rng) -> None:
    rows = []
    for k in range(size.sites):
        city, lat, lon = words.CITIES[k % len(words.CITIES)]
        kind = words.SITE_KINDS[(k // len(words.CITIES)) % len(words.SITE_KINDS)]
        point = (round(lat + rng.uniform(-0.03, 0.03), 5), round(lon + rng.uniform(-0.04, 0.04), 5))
        street = f"{rng.choice(words.STREETS)} {rng.randint(1, 120)}"
        company.sites[k + 1] = (f"{city} — {kind}", city, *point)
        rows.append(
            (k + 1, f"{city} — {kind}", f"S{k + 1:02d}", street, city, TIMEZONE)
            + (time(8), time(18), "01234", *point, True)
        )
    site_columns = ("id", "name", "code", "address", "city", "timezone", "opens_at")
    site_columns += ("closes_at", "open_weekdays", "latitude", "longitude", "active")
    copy_rows(conn, "site", site_columns, rows)
    copy_rows(conn, "department", ("id", "name", "active"), _named(words.DEPARTMENTS))
    copy_rows(conn, "skill", ("id", "name", "active"), _named(words.SKILLS))
    copy_rows(conn, "agent_group", ("id", "name", "active"), _named(words.GROUPS))
    company.departments = list(range(1, len(words.DEPARTMENTS) + 1))
    company.groups = list(range(1, len(words.GROUPS) + 1))
    categories = []
    for k, (name, kind, minutes) in enumerate(words.CATEGORIES, start=1):
        company.categories[name] = (k, kind, minutes)
        categories.append((k, name, "", kind, minutes, True))
    columns = ("id", "name", "description", "default_kind", "default_duration_min", "active")
    copy_rows(conn, "category", columns, categories)


def _named(names) -> list[tuple[int, str, bool]]:
    return [(k, name, True) for k, name in enumerate(names, start=1)]


def write_people(conn: psycopg.Connection, company: Company, size: Size, rng) -> None:
    """Everyone with one password (one hash: hashing 2,000 passwords would take minutes)."""
    password_hash = generate_password_hash(PASSWORD)
    created = company.now - timedelta(days=1200)
    rows, n = [], 0
    site_ids = list(company.sites)

    def add(role: str, romanian: bool = True, site: int | None = None) -> Person:
        nonlocal n
        n += 1
        name = _name(rng, romanian)
        person = Person(n, name, _email(name, n), site or rng.choice(site_ids))
        person.department_id = rng.choice(company.departments)
        locale = "ro" if romanian else "en"
        rows.append(
            (n, person.email, name, password_hash, role, f"+40 7{rng.randint(10, 99)} 555 {n:03d}")
            + (person.department_id, person.site_id, False, True, locale, created)
        )
        return person

    company.admin = add("admin")
    company.dispatchers = [add("dispatcher") for _ in range(size.dispatchers)]
    company.agents = [add("agent", rng.random() < 0.8) for _ in range(size.agents)]
    company.technicians = [
        add("technician", site=site_ids[k % len(site_ids)]) for k in range(size.technicians)
    ]
    company.employees = [add("employee", rng.random() < 0.75) for _ in range(size.employees)]
    columns = ("id", "email", "name", "password_hash", "role", "phone", "department_id")
    columns += ("site_id", "sees_department", "active", "locale", "created_at")
    copy_rows(conn, "user", columns, rows)
    _write_technicians(conn, company, rng)
    members = [
        (a.id, company.groups[k % len(company.groups)]) for k, a in enumerate(company.agents)
    ]
    copy_rows(conn, "user_group", ("user_id", "group_id"), members)
    _write_tokens(conn, company, size)


def _write_technicians(conn: psycopg.Connection, company: Company, rng) -> None:
    """Monday to Friday, 8:00–16:30 with half an hour's lunch, from home near their site."""
    hours, profiles, skills = [], [], []
    for tech in company.technicians:
        _, city, lat, lon = company.sites[tech.site_id]
        home = (round(lat + rng.uniform(-0.02, 0.02), 5), round(lon + rng.uniform(-0.02, 0.02), 5))
        profiles.append((tech.id, f"{city}, acasă", *home, "", company.now))
        for weekday in range(5):
            hours.append((tech.id, weekday, time(8), time(16, 30), time(12), time(14), 30))
        for skill in rng.sample(range(1, len(words.SKILLS) + 1), 3):
            skills.append((tech.id, skill))
    columns = ("user_id", "weekday", "start_time", "end_time", "lunch_start", "lunch_end")
    copy_rows(conn, "working_hours", (*columns, "lunch_minutes"), hours)
    columns = ("user_id", "home_address", "home_latitude", "home_longitude", "notes", "updated_at")
    copy_rows(conn, "technician_profile", columns, profiles)
    copy_rows(conn, "user_skill", ("user_id", "skill_id"), skills)


def _write_tokens(conn: psycopg.Connection, company: Company, size: Size) -> None:
    """API tokens of the first employees, derived from the seed (only their hashes stored)."""
    rows = []
    for k, person in enumerate(company.employees[: size.api_tokens], start=1):
        token = hashlib.sha256(f"bench-token:{size.seed}:{person.id}".encode()).hexdigest()
        company.tokens.append(token)
        rows.append((k, person.id, hashlib.sha256(token.encode()).hexdigest(), company.now, False))
    copy_rows(conn, "api_token", ("id", "user_id", "token_hash", "created_at", "revoked"), rows)
