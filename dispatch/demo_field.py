"""The demo company's field work: technicians' schedules and home bases, and about sixty open
on-site jobs spread over the sites, so that a newcomer can plan a week and see routes at once.

Jobs are made like real ones: an employee files a request (``create_ticket``), the dispatcher
catalogues it as on-site with its duration, skills, access window, appointment or due date
(``catalog``), so each ticket's history is a real official record. Dates are relative to the day
the demo is loaded: the "planning week" is the next five working days.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.people.models import Skill, User
from dispatch.sites.models import Site
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours
from dispatch.tickets.dispatching import catalog
from dispatch.tickets.models import Category, Kind, Ticket
from dispatch.tickets.services import NewTicket, create_ticket

ZONE = ZoneInfo("Europe/Bucharest")

# email → (home address, lat, lon, (start, end), (lunch from, until, minutes), notes)
HOMES = {
    "radu.tech@example.com": (
        "Strada Primăverii 10, Cluj-Napoca",
        46.7570,
        23.5540,
        ("08:00", "16:30"),
        ("12:00", "14:00", 30),
        "Drives the van CJ-12-DSP.",
    ),
    "sorin.tech@example.com": (
        "Bulevardul Nicolae Grigorescu 20, București",
        44.4165,
        26.1705,
        ("09:00", "17:30"),
        ("12:30", "14:30", 45),
        "",
    ),
    "paul.tech@example.com": (
        "Strada Eroilor de la Tisa 15, Timișoara",
        45.7480,
        21.2380,
        ("07:30", "16:00"),
        ("11:30", "13:30", 30),
        "Certified electrician.",
    ),
    "andrei.tech@example.com": (
        "Strada Observatorului 90, Cluj-Napoca",
        46.7560,
        23.5990,
        ("08:00", "16:30"),
        ("12:00", "14:00", 30),
        "",
    ),
    "maria.tech@example.com": (
        "Bulevardul Timișoara 50, București",
        44.4262,
        26.0330,
        ("08:30", "17:00"),
        ("12:00", "14:00", 30),
        "Printer fleet contact.",
    ),
    "florin.tech@example.com": (
        "Strada Ion Creangă 40, Iași",
        47.1790,
        27.5550,
        ("08:00", "16:30"),
        ("12:00", "14:00", 30),
        "",
    ),
    "ioan.tech@example.com": (
        "Strada Zizinului 60, Brașov",
        45.6420,
        25.6250,
        ("08:00", "16:30"),
        ("12:00", "14:00", 30),
        "",
    ),
    "cristian.tech@example.com": (
        "Strada Barbu Văcărescu 120, București",
        44.4640,
        26.1050,
        ("09:00", "17:30"),
        ("13:00", "14:30", 45),
        "Often at the Pipera customers.",
    ),
}
DAY_OFF_EMAIL = "cristian.tech@example.com"

# category, subject, description, minutes, extra skills, fields, priority
TEMPLATES = [
    (
        "Printer",
        "Printer jams on every page",
        "The printer by the kitchen jams on every page since this morning.",
        45,
        [],
        {"pages_waiting": 12},
        "normal",
    ),
    (
        "Printer",
        "Printed pages come out faded",
        "Toner was replaced last week but pages are still faded on the left side.",
        45,
        [],
        {},
        "low",
    ),
    (
        "Printer",
        "Label printer prints blank labels",
        "The shipping desk label printer feeds labels but prints nothing.",
        30,
        [],
        {},
        "high",
    ),
    (
        "Printer",
        "Scanner on the copier does not send e-mails",
        "Scan to e-mail fails with 'SMTP error' on the copier's screen.",
        45,
        ["network"],
        {},
        "normal",
    ),
    (
        "Hardware",
        "Desktop does not power on",
        "Pressing the power button does nothing; the light on the PSU is off.",
        60,
        [],
        {"device_type": "Desktop"},
        "high",
    ),
    (
        "Hardware",
        "Laptop screen flickers and goes black",
        "The screen flickers when the lid moves and then stays black.",
        60,
        [],
        {"device_type": "Laptop"},
        "normal",
    ),
    (
        "Hardware",
        "Monitor shows no signal",
        "Second monitor says 'no signal' after the docking station was moved.",
        30,
        [],
        {"device_type": "Monitor"},
        "low",
    ),
    (
        "Hardware",
        "Docking station does not charge the laptop",
        "Laptop battery drains while docked; USB devices on the dock work.",
        30,
        [],
        {"device_type": "Docking station"},
        "normal",
    ),
    (
        "Hardware",
        "Replace failing disk in the reception PC",
        "The reception PC reports SMART errors and freezes for minutes.",
        90,
        [],
        {"device_type": "Desktop"},
        "high",
    ),
    (
        "Hardware",
        "Set up a workstation for a new colleague",
        "New colleague starts next week: desk PC, two monitors, phone and network point.",
        120,
        ["network"],
        {"device_type": "Desktop"},
        "normal",
    ),
    (
        "Network",
        "No network on the wall outlet",
        "The wall outlet gives no link light; the PC shows 'network cable unplugged'.",
        45,
        [],
        {"outlet": "B2-17"},
        "normal",
    ),
    (
        "Network",
        "Wi-Fi drops in the meeting area",
        "Laptops lose Wi-Fi every few minutes in the meeting area near the windows.",
        60,
        [],
        {},
        "normal",
    ),
    (
        "Network",
        "Move a desk phone and its network point",
        "The team moved desks; the phone and network point must follow.",
        45,
        [],
        {},
        "low",
    ),
    (
        "Network",
        "Switch in the rack is beeping, ports down",
        "The access switch in the floor rack beeps and half of the ports are down.",
        90,
        ["electrical"],
        {},
        "urgent",
    ),
    (
        "Meeting room and audio-video",
        "Projector shows no picture",
        "The projector turns on but shows 'no signal' from the HDMI cable.",
        60,
        [],
        {},
        "high",
    ),
    (
        "Meeting room and audio-video",
        "Video conference camera not detected",
        "The room PC does not see the conference camera; calls start without video.",
        45,
        [],
        {},
        "normal",
    ),
    (
        "Meeting room and audio-video",
        "Install a wall screen in the meeting room",
        "A 65-inch screen was delivered; it needs mounting, power and HDMI to the table.",
        180,
        ["electrical"],
        {},
        "low",
    ),
    (
        "Electrical and power",
        "UPS in the server closet alarms",
        "The UPS beeps every minute and shows a battery fault.",
        60,
        ["network"],
        {},
        "high",
    ),
    (
        "Electrical and power",
        "Power socket under a desk sparks",
        "The socket under the desk sparked when a charger was plugged in; nobody uses it now.",
        45,
        [],
        {},
        "urgent",
    ),
    (
        "Electrical and power",
        "Extend power to the new desks in the open space",
        "Six new desks need power strips fixed under the desks and cable trays.",
        240,
        [],
        {},
        "normal",
    ),
]

# site code → (requester e-mail, [(building, floor, room), …]); the job count per site
SITE_PLACES = {
    "CLJ": (
        "ana.pop@example.com",
        [
            ("A", "1", "Reception"),
            ("A", "2", "204"),
            ("A", "3", "Kitchen corridor"),
            ("B", "0", "Server closet"),
            ("B", "2", "Open space"),
            ("A", "4", "Board room"),
        ],
    ),
    "BUC": (
        "elena.radu@example.com",
        [
            ("Tower", "5", "Danube room"),
            ("Tower", "5", "Open space"),
            ("Tower", "3", "312"),
            ("Tower", "0", "Reception"),
            ("Tower", "-1", "Server room"),
            ("Annex", "1", "Training"),
        ],
    ),
    "TMS": (
        "mihai.ionescu@example.com",
        [
            ("Hall 2", "0", "Dock 4"),
            ("Hall 2", "0", "Dock office"),
            ("Hall 1", "1", "Shipping desk"),
            ("Office", "1", "Finance"),
        ],
    ),
    "IAS": (
        "cristina.vasile@example.com",
        [
            ("", "1", "Sales room"),
            ("", "2", "Meeting room"),
            ("", "0", "Reception"),
            ("", "2", "Open space"),
        ],
    ),
    "BRV": (
        "george.stoica@example.com",
        [
            ("", "1", "Open space"),
            ("", "1", "Meeting room Tâmpa"),
            ("", "0", "Reception"),
            ("", "2", "Storage"),
        ],
    ),
}
SITE_CYCLE = ["CLJ", "BUC", "TMS", "BUC", "IAS", "CLJ", "BRV", "BUC", "TMS", "IAS", "BRV", "CLJ"]
JOBS = 60


def planning_days(today: dt.date, n: int = 5) -> list[dt.date]:
    """The next ``n`` working days (Monday–Friday) after ``today``."""
    days, day = [], today
    while len(days) < n:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _utc(day: dt.date, at: str) -> dt.datetime:
    return dt.datetime.combine(day, _t(at), tzinfo=ZONE).astimezone(dt.UTC)


def load_schedules(today: dt.date) -> None:
    """Home bases, Monday–Friday hours with lunch, and one day off in the planning week; only
    for demo technicians who have no hours yet."""
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(HOMES)))}
    planned = set(
        db.session.scalars(
            select(WorkingHours.user_id).where(
                WorkingHours.user_id.in_([u.id for u in users.values()])
            )
        )
    )
    for email, (address, lat, lon, (start, end), (l_from, l_until, l_min), notes) in HOMES.items():
        user = users.get(email)
        if user is None or user.id in planned:
            continue
        if db.session.get(TechnicianProfile, user.id) is None:
            db.session.add(
                TechnicianProfile(
                    user_id=user.id,
                    home_address=address,
                    home_latitude=lat,
                    home_longitude=lon,
                    notes=notes,
                )
            )
        db.session.add_all(
            WorkingHours(
                user_id=user.id,
                weekday=w,
                start_time=_t(start),
                end_time=_t(end),
                lunch_start=_t(l_from),
                lunch_end=_t(l_until),
                lunch_minutes=l_min,
            )
            for w in range(5)
        )
        if email == DAY_OFF_EMAIL:
            db.session.add(
                DayOff(user_id=user.id, day=planning_days(today)[1], reason="Training course")
            )
    db.session.commit()


def load_jobs(today: dt.date) -> int:
    """About sixty open on-site jobs, catalogued by the dispatcher; none if the demo requesters
    already have on-site tickets. Returns how many were made."""
    requesters = {
        e: db.session.scalar(select(User).filter_by(email=e)) for e, _ in SITE_PLACES.values()
    }
    if any(r is None for r in requesters.values()) or db.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(
            Ticket.kind == Kind.ONSITE, Ticket.requester_id.in_([r.id for r in requesters.values()])
        )
    ):
        return 0
    dispatcher = db.session.scalar(select(User).filter_by(email="dana.dispatch@example.com"))
    sites = {s.code: s for s in db.session.scalars(select(Site))}
    categories = {c.name: c for c in db.session.scalars(select(Category))}
    skills = {s.name: s.id for s in db.session.scalars(select(Skill))}
    days = planning_days(today)
    tickets = []
    # Every request first, then the cataloguing: each catalogue decision retrains the triage
    # classifier on the next suggestion, so interleaving them would train sixty times.
    for j in range(JOBS):
        cat, subject, text, minutes, extra, fields, priority = TEMPLATES[j % len(TEMPLATES)]
        code = SITE_CYCLE[j % len(SITE_CYCLE)]
        email, places = SITE_PLACES[code]
        building, floor, room = places[(j * 7 + j // len(SITE_CYCLE)) % len(places)]
        tickets.append(
            create_ticket(
                requesters[email],
                NewTicket(
                    subject=subject,
                    description=text,
                    site_id=sites[code].id,
                    category_id=categories[cat].id,
                    building=building,
                    floor=floor,
                    room=room,
                    fields=fields,
                ),
            )
        )
    for j, ticket in enumerate(tickets):
        cat, subject, text, minutes, extra, fields, priority = TEMPLATES[j % len(TEMPLATES)]
        category = categories[cat]
        plan: dict = {}
        if j % 7 == 3:
            plan.update(access_from=_t("09:00"), access_until=_t("12:00"))  # mornings only
        elif j % 7 == 5:
            plan.update(access_from=_t("13:00"), access_until=_t("16:00"))
        elif j % 9 == 4:  # the requester booked a time
            day = days[(j // 9) % len(days)]
            start, end = (("10:00", "11:00"), ("14:00", "15:30"))[j % 2]
            plan.update(appointment_start=_utc(day, start), appointment_end=_utc(day, end))
        if j % 5 == 1:
            plan["due_at"] = _utc(days[(j // 5) % len(days)], "17:00")
        catalog(
            ticket,
            dispatcher,
            expected_version=ticket.version,
            kind=Kind.ONSITE,
            category_id=category.id,
            priority=priority,
            duration_min=minutes,
            skill_ids=[s.id for s in category.skills] + [skills[n] for n in extra],
            **plan,
        )
    return JOBS
