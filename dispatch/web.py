"""What every page shares: security headers, time formatting, the navigation context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, make_response, request
from flask_babel import format_date, format_datetime, format_time, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from dispatch import labels

# Everything the pages use is served by the app itself, so the policy can stay strict; the map
# tiles are the one exception (img-src names the tile server of MAP_TILE_URL).
CSP = (
    "default-src 'self'; img-src 'self' data:{tiles}; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def tile_source(url: str | None) -> str | None:
    """The CSP source that lets a page load the tiles of a Leaflet URL template: its scheme and
    host, a ``{s}``-style placeholder in the host becoming a ``*.`` wildcard (CSP allows one
    only as the leftmost label, so it stands for everything left of the last placeholder).
    None for no URL or one on this server (``'self'`` covers it)."""
    parts = urlsplit(url or "")
    if not parts.scheme or not parts.netloc:
        return None
    labels = parts.netloc.rpartition("@")[2].split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        labels = ["*", *labels[templated[-1] + 1 :]]
    return f"{parts.scheme}://{'.'.join(labels)}"


def content_security_policy(tile_url: str | None) -> str:
    """The Content-Security-Policy header of every page, for the configured tile server."""
    source = tile_source(tile_url)
    return CSP.format(tiles=f" {source}" if source else "")


def local_time(value: datetime | None, tz: str | None = None, fmt: str | None = None) -> str:
    """Show a stored UTC time in a site's time zone (or the viewer's site, or UTC), in the
    page's language: the date as the language writes it ("7 dec. 2026", "Dec 7, 2026") and a
    24-hour clock. ``fmt`` "date" or "time" shows one part; another value is a CLDR pattern."""
    if value is None:
        return ""
    if tz is None and current_user.is_authenticated and current_user.site:
        tz = current_user.site.timezone
    local = value.astimezone(ZoneInfo(tz or "UTC"))
    day = format_date(local, "medium", rebase=False)
    clock = format_time(local, "HH:mm", rebase=False)
    if fmt is None:
        return f"{day} {clock}"
    return {"date": day, "time": clock}.get(fmt) or format_datetime(local, fmt, rebase=False)


def day_name(value: date | str | None, width: str = "long") -> str:
    """A calendar day in the page's language ("7 decembrie 2026", "December 7, 2026"; width
    "medium": "7 dec. 2026"), from a date or its ISO text."""
    if not value:
        return ""
    # A page writes the same few days many times (a board: each technician's row, twice), and
    # each writing asks Babel for the locale's patterns: written once per request and language.
    written = g.setdefault("_day_names", {}) if has_request_context() else {}
    key = (value, width, str(get_locale()))
    if key not in written:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        written[key] = format_date(day, width)
    return written[key]


def here() -> str:
    """This page's path and query, for a form that comes back to it (the language switcher);
    a POST's page comes back to its path alone."""
    if request.method != "GET" or not request.query_string:
        return request.path
    return request.full_path


def private_page(body, status: int = 200):
    """A page that shows a secret (a password link, a calendar address): never cached, never
    sent on as a Referer."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def page_number() -> int:
    """The ``?page=`` of a list, kept in a range the database can offset by (a huge number
    would overflow the driver; Flask-SQLAlchemy answers an empty page past the end with 404)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


class RowIdConverter(IntegerConverter):
    """``<int:id>`` capped at the largest 32-bit key: a larger number in a URL is a 404, not
    an overflow in the database driver (SQLite and PostgreSQL both raise on it)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's argument name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: every <int:…> in the app gets the cap.
    app.url_map.converters["int"] = RowIdConverter
    app.jinja_env.filters["localtime"] = local_time
    app.jinja_env.filters["day"] = day_name
    csp = content_security_policy(app.config.get("MAP_TILE_URL"))
    hsts = app.config.get("HSTS_MAX_AGE")

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", csp)
        # Browsers ignore the header over plain HTTP; behind a proxy, is_secure needs
        # PROXY_FIX_X_PROTO to know the client used HTTPS.
        if hsts is not None and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}")
        return response

    @app.context_processor
    def _labels():
        return {
            "labels": labels.in_language(str(get_locale() or app.config["DEFAULT_LOCALE"])),
            "_": gettext,
            "nav_items": nav_items,
            "page_language": lambda: str(get_locale() or app.config["DEFAULT_LOCALE"]),
            "here": here,
        }


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str


# Each role's menu, in order.
NAV = {
    "employee": [
        ("tickets.new", _l("New request")),
        ("tickets.mine", _l("My requests")),
        ("assets.index", _l("My devices")),
    ],
    "agent": [
        ("desk.queue", _l("My queue")),
        ("assets.index", _l("Assets")),
        ("tickets.new", _l("New request")),
        ("tickets.mine", _l("My requests")),
    ],
    "technician": [
        ("my_day.index", _l("My day")),
        ("desk.jobs", _l("My jobs")),
        ("assets.index", _l("Assets")),
        ("tickets.new", _l("New request")),
        ("tickets.mine", _l("My requests")),
    ],
    "dispatcher": [
        ("desk.inbox", _l("Inbox")),
        ("planning.index", _l("Planning")),
        ("assets.index", _l("Assets")),
        ("reports.index", _l("Reports")),
        ("tickets.new", _l("New request")),
        ("triage.rules", _l("Triage")),
        ("technicians.index", _l("Technicians")),
        ("sites.index", _l("Sites")),
        ("mail.quarantine_list", _l("Mail quarantine")),
    ],
    "admin": [
        ("desk.inbox", _l("Inbox")),
        ("planning.index", _l("Planning")),
        ("assets.index", _l("Assets")),
        ("reports.index", _l("Reports")),
        ("admin.index", _l("Administration")),
        ("triage.rules", _l("Triage")),
        ("technicians.index", _l("Technicians")),
        ("mail.index", _l("Mail")),
    ],
}


def nav_items() -> list[NavItem]:
    """The signed-in user's menu (none for anonymous visitors)."""
    if not current_user.is_authenticated:
        return []
    items = [NavItem(e, str(label)) for e, label in NAV.get(current_user.role, [])]
    # Entries a package adds for some people beyond their role's (a site manager's reports).
    for extra in current_app.extensions.get("dispatch_nav", ()):
        for endpoint, label in extra(current_user):
            if all(i.endpoint != endpoint for i in items):
                items.append(NavItem(endpoint, str(label)))
    return items
