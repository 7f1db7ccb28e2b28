"""`flask demo load`: a small, realistic company to try Dispatch with.

Several sites in Romanian cities (real coordinates), departments, a few users of every role,
categories with their extra fields, keyword rules, and requests in several states — created
through the same services the app uses, so their history is a real official record. The field
work (eight technicians' schedules, about sixty open on-site jobs) is in dispatch.demo_field.
"""

from __future__ import annotations

from datetime import date, time

import click
from flask import Flask
from flask.cli import with_appcontext
from werkzeug.security import generate_password_hash

from dispatch import demo_assets, demo_field, demo_maintenance
from dispatch.demo_names import in_both
from dispatch.extensions import db
from dispatch.people.models import Department, Group, Role, Skill, User
from dispatch.sites.models import Site
from dispatch.sla.models import SlaPolicy
from dispatch.tickets.models import Category, CategoryField, FieldType
from dispatch.tickets.services import NewTicket, create_ticket
from dispatch.triage.models import KeywordRule

DEMO_PASSWORD = "dispatch-demo-2026"

SITES = [
    # name, code, address, city, lat, lon
    ("Cluj Headquarters", "CLJ", "Strada Memorandumului 28", "Cluj-Napoca", 46.7695, 23.5860),
    ("Bucharest Office", "BUC", "Bulevardul Unirii 15", "București", 44.4268, 26.1025),
    ("Timișoara Warehouse", "TMS", "Calea Torontalului 90", "Timișoara", 45.7700, 21.2050),
    ("Iași Branch", "IAS", "Bulevardul Ștefan cel Mare 10", "Iași", 47.1660, 27.5820),
    ("Brașov Branch", "BRV", "Strada Republicii 40", "Brașov", 45.6430, 25.5890),
]

DEPARTMENTS = [
    "Finance",
    "Sales",
    "Logistics",
    "Human Resources",
    "Engineering",
    "Customer Service",
]
SKILLS = ["hardware", "network", "printers", "audio-video", "electrical"]

# email, name, role, department, site, skills
USERS = [
    ("ana.pop@example.com", "Ana Pop", Role.EMPLOYEE, "Finance", "CLJ", []),
    ("mihai.ionescu@example.com", "Mihai Ionescu", Role.EMPLOYEE, "Logistics", "TMS", []),
    ("elena.radu@example.com", "Elena Radu", Role.EMPLOYEE, "Sales", "BUC", []),
    ("dana.dispatch@example.com", "Dana Mureșan", Role.DISPATCHER, "Engineering", "CLJ", []),
    ("victor.agent@example.com", "Victor Stan", Role.AGENT, "Engineering", "CLJ", []),
    ("ioana.agent@example.com", "Ioana Dinu", Role.AGENT, "Engineering", "BUC", []),
    (
        "radu.tech@example.com",
        "Radu Lazăr",
        Role.TECHNICIAN,
        "Engineering",
        "CLJ",
        ["hardware", "network", "printers"],
    ),
    (
        "sorin.tech@example.com",
        "Sorin Matei",
        Role.TECHNICIAN,
        "Engineering",
        "BUC",
        ["hardware", "audio-video"],
    ),
    (
        "paul.tech@example.com",
        "Paul Georgescu",
        Role.TECHNICIAN,
        "Engineering",
        "TMS",
        ["network", "electrical", "hardware", "printers"],
    ),
    ("admin@example.com", "Adrian Admin", Role.ADMIN, "Engineering", "CLJ", []),
    # Requesters at every site, and eight technicians in all.
    ("cristina.vasile@example.com", "Cristina Vasile", Role.EMPLOYEE, "Sales", "IAS", []),
    ("george.stoica@example.com", "George Stoica", Role.EMPLOYEE, "Customer Service", "BRV", []),
    (
        "andrei.tech@example.com",
        "Andrei Popescu",
        Role.TECHNICIAN,
        "Engineering",
        "CLJ",
        ["electrical", "audio-video", "hardware", "network"],
    ),
    (
        "maria.tech@example.com",
        "Maria Constantin",
        Role.TECHNICIAN,
        "Engineering",
        "BUC",
        ["network", "printers"],
    ),
    (
        "florin.tech@example.com",
        "Florin Dumitru",
        Role.TECHNICIAN,
        "Engineering",
        "IAS",
        ["hardware", "printers", "network", "audio-video", "electrical"],
    ),
    (
        "ioan.tech@example.com",
        "Ioan Barbu",
        Role.TECHNICIAN,
        "Engineering",
        "BRV",
        ["hardware", "electrical", "audio-video", "printers"],
    ),
    (
        "cristian.tech@example.com",
        "Cristian Ene",
        Role.TECHNICIAN,
        "Engineering",
        "BUC",
        ["hardware", "network", "electrical"],
    ),
]

CATEGORIES = [
    # name, default kind, minutes, skills, fields
    (
        "Hardware",
        None,
        60,
        ["hardware"],
        [
            (
                "device_type",
                "Device type",
                FieldType.CHOICE,
                True,
                ["Desktop", "Laptop", "Monitor", "Docking station", "Phone", "Other"],
            ),
            ("asset_tag", "Asset tag", FieldType.ASSET_TAG, False, []),
            ("make_model", "Make and model", FieldType.TEXT, False, []),
        ],
    ),
    (
        "Software",
        "remote",
        30,
        [],
        [
            ("application", "Application", FieldType.TEXT, True, []),
            ("version", "Version", FieldType.TEXT, False, []),
            (
                "operating_system",
                "Operating system",
                FieldType.CHOICE,
                False,
                ["Windows 11", "Windows 10", "macOS", "Linux", "Android", "iOS"],
            ),
        ],
    ),
    (
        "Network",
        None,
        45,
        ["network"],
        [
            ("outlet", "Wall outlet / port label", FieldType.TEXT, False, []),
        ],
    ),
    (
        "Printer",
        "onsite",
        45,
        ["printers"],
        [
            ("asset_tag", "Printer asset tag", FieldType.ASSET_TAG, False, []),
            ("pages_waiting", "Pages waiting", FieldType.NUMBER, False, []),
        ],
    ),
    ("Account and access", "remote", 15, [], []),
    (
        "Meeting room and audio-video",
        "onsite",
        60,
        ["audio-video"],
        [
            ("needed_by", "Needed by", FieldType.DATE, False, []),
        ],
    ),
    ("Electrical and power", "onsite", 60, ["electrical"], []),
]

RULES = [
    ("password", "remote"),
    ("vpn", "remote"),
    ("licence", "remote"),
    ("outlook", "remote"),
    ("cable", "onsite"),
    ("paper jam", "onsite"),
    ("smoke", "onsite"),
    ("socket", "onsite"),
]

# requester email, site code, category, subject, description, building, floor, room, fields
REQUESTS = [
    (
        "ana.pop@example.com",
        "CLJ",
        "Printer",
        "Printer on 3rd floor jams every page",
        "The HP printer next to the kitchen jams on every page since this morning.",
        "A",
        "3",
        "Kitchen corridor",
        {"pages_waiting": 12},
    ),
    (
        "ana.pop@example.com",
        "CLJ",
        "Software",
        "Excel crashes when opening the budget file",
        "Excel closes itself as soon as I open Budget2027.xlsx. Other files open fine.",
        "A",
        "2",
        "204",
        {"application": "Excel", "version": "365", "operating_system": "Windows 11"},
    ),
    (
        "mihai.ionescu@example.com",
        "TMS",
        "Network",
        "No network at loading dock desk",
        "The wall socket at the loading dock desk gives no link light; the scanner PC is offline.",
        "Hall 2",
        "0",
        "Dock 4",
        {"outlet": "D4-12"},
    ),
    (
        "mihai.ionescu@example.com",
        "TMS",
        "Hardware",
        "Barcode scanner PC does not start",
        "The desktop that runs the barcode scanners makes three beeps and shows nothing.",
        "Hall 2",
        "0",
        "Dock office",
        {"device_type": "Desktop", "asset_tag": "TMS-PC-0042"},
    ),
    (
        "elena.radu@example.com",
        "BUC",
        "Account and access",
        "Locked out after password change",
        "I changed my password yesterday and now my account is locked on every login.",
        "",
        "5",
        "Open space",
        {},
    ),
    (
        "elena.radu@example.com",
        "BUC",
        "Meeting room and audio-video",
        "Projector in the Danube room shows no picture",
        "Client presentation on Monday; the projector turns on but shows 'no signal' from HDMI.",
        "",
        "5",
        "Danube room",
        {},
    ),
    (
        "ana.pop@example.com",
        "CLJ",
        None,
        "VPN disconnects every few minutes at home",
        "Working from home, the VPN drops every 5-10 minutes and Teams calls freeze.",
        "",
        "",
        "",
        {},
    ),
    # Written in Romanian, as most of the company writes: the triage reads both languages.
    (
        "george.stoica@example.com",
        "BRV",
        None,
        "Cititorul de carduri de la intrare nu deschide ușa",
        "De azi-dimineață cititorul de carduri de la intrarea sucursalei din Brașov nu mai "
        "deschide ușa; colegii intră doar cu cheia de la recepție.",
        "",
        "0",
        "Recepție",
        {},
    ),
]


# A Romanian company with a few English speakers (`make run` makes Romanian its DEFAULT_LOCALE);
# whoever is not listed follows their browser's language.
ENGLISH_SPEAKERS = {
    "victor.agent@example.com",
    "paul.tech@example.com",
    "mihai.ionescu@example.com",
}
BROWSER_FOLLOWERS = {"elena.radu@example.com"}


def demo_locale(email: str) -> str | None:
    """The language a demo user chose: English for a few, none for one, Romanian for the rest."""
    if email in BROWSER_FOLLOWERS:
        return None
    return "en" if email in ENGLISH_SPEAKERS else "ro"


class DemoRefused(Exception):
    """The database is not empty and not the demo's."""


def load(today: date | None = None) -> list[tuple[str, str, str]]:
    """Create the demo company; what already exists is kept, so loading twice changes nothing.
    Returns (role, name, e-mail) of the demo users."""
    today = today or date.today()
    first_time = db.session.scalar(db.select(User).filter_by(email=USERS[0][0])) is None
    if first_time and db.session.scalar(db.select(db.func.count(User.id))):
        # The demo brings an admin with a published password: never into a real company.
        raise DemoRefused(
            "this database already has users that are not the demo company's; "
            "the demo is only loaded into an empty database"
        )
    _load_people_and_catalog()
    demo_assets.load_assets()  # before the requests: the demo's tagged request finds its PC
    demo_maintenance.load_plans(today)
    if first_time:
        _load_requests()
    demo_field.load_schedules(today)
    demo_field.load_jobs(today)
    return [(u[2], u[1], u[0]) for u in USERS]


#: Service levels: a default for every ticket, and a faster one for urgent tickets.
POLICIES = (
    dict(name="Standard", first_response_minutes=4 * 60, resolution_minutes=3 * 9 * 60),
    dict(name="Urgent", priority="urgent", first_response_minutes=30, resolution_minutes=8 * 60),
)


def _existing(model, column: str, values) -> dict:
    rows = db.session.scalars(db.select(model).where(getattr(model, column).in_(list(values))))
    return {getattr(r, column): r for r in rows}


def _load_people_and_catalog() -> None:
    sites = _existing(Site, "code", [s[1] for s in SITES])
    for name, code, address, city, lat, lon in SITES:
        if code not in sites:
            sites[code] = Site(
                name=name,
                code=code,
                address=address,
                city=city,
                timezone="Europe/Bucharest",
                country="RO",
                latitude=lat,
                longitude=lon,
                opens_at=time(8),
                closes_at=time(17),
            )
    departments = _existing(Department, "name", DEPARTMENTS)
    departments.update(
        {
            n: Department(name=n, translations=in_both(name=n))
            for n in DEPARTMENTS
            if n not in departments
        }
    )
    skills = _existing(Skill, "name", SKILLS)
    skills.update({n: Skill(name=n) for n in SKILLS if n not in skills})
    group = db.session.scalar(db.select(Group).filter_by(name="Service desk")) or Group(
        name="Service desk"
    )
    db.session.add_all([*sites.values(), *departments.values(), *skills.values(), group])
    users = _existing(User, "email", [u[0] for u in USERS])
    password_hash = None  # scrypt is slow on purpose: hash the shared password once
    for email, name, role, dept, site, user_skills in USERS:
        if email in users:
            continue
        if password_hash is None:
            password_hash = generate_password_hash(DEMO_PASSWORD)
        user = User(
            email=email,
            name=name,
            role=role,
            department=departments[dept],
            site=sites[site],
            skills=[skills[s] for s in user_skills],
            password_hash=password_hash,
            locale=demo_locale(email),
        )
        if role == Role.AGENT:
            group.members.append(user)
        db.session.add(user)
    categories = _existing(Category, "name", [c[0] for c in CATEGORIES])
    for name, kind, minutes, cat_skills, fields in CATEGORIES:
        if name in categories:
            continue
        category = Category(
            name=name,
            translations=in_both(name=name),
            default_kind=kind,
            default_duration_min=minutes,
            skills=[skills[s] for s in cat_skills],
        )
        for pos, (key, label, type_, required, choices) in enumerate(fields):
            category.fields.append(
                CategoryField(
                    key=key,
                    label=label,
                    type=type_,
                    required=required,
                    choices=choices,
                    position=pos,
                    translations=in_both(label=label, choices=choices),
                )
            )
        db.session.add(category)
    if db.session.scalar(db.select(KeywordRule).limit(1)) is None:
        db.session.add_all(KeywordRule(phrase=p, kind=k) for p, k in RULES)
    if db.session.scalar(db.select(SlaPolicy).limit(1)) is None:
        db.session.add_all(SlaPolicy(**policy) for policy in POLICIES)
    db.session.commit()


def _load_requests() -> None:
    for email, code, cat, subject, text, building, floor, room, fields in REQUESTS:
        requester = db.session.scalar(db.select(User).filter_by(email=email))
        site = db.session.scalar(db.select(Site).filter_by(code=code))
        category = db.session.scalar(db.select(Category).filter_by(name=cat)) if cat else None
        create_ticket(
            requester,
            NewTicket(
                subject=subject,
                description=text,
                site_id=site.id,
                category_id=category.id if category else None,
                building=building,
                floor=floor,
                room=room,
                fields=fields,
            ),
        )


@click.group("demo")
def demo_cli() -> None:
    """The demo company."""


@demo_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Load the demo company (does nothing if it is already there) and print how to sign in."""
    try:
        users = load()
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Demo company ready. Sign in at http://127.0.0.1:5000 with any of:")
    for role, name, email in users:
        click.echo(f"  {role:<11} {name:<17} {email:<28} password: {DEMO_PASSWORD}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_cli)
