"""Configuration defaults. Nothing here reads the environment at import time: the factory
layers instance/config.py and FLASK_* variables on top (``app.config.from_prefixed_env``)."""

from __future__ import annotations

import os
import secrets

from flask import Flask
from flask.cli import NoAppException
from sqlalchemy import make_url

from dispatch.directory.oidc_settings import from_config as check_oidc
from dispatch.directory.settings import check as check_directory


class Config:
    # Required outside debug and testing: every process (web workers, RQ workers, commands)
    # must sign sessions, CSRF tokens, password links and Message-IDs with the same key.
    # `make install` writes one into instance/config.py.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite file in instance/
    # Filled by finalize for a database server (see server_engine_options); what is set here wins.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS; `make run` (plain HTTP on 127.0.0.1) switches both off.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    HSTS_MAX_AGE: int | None = 365 * 24 * 3600  # seconds; sent over HTTPS only; None: not sent

    # Behind a reverse proxy: how many proxies in front of the app set each X-Forwarded-*
    # header (werkzeug's ProxyFix). 0 trusts none: a client could forge its address.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session

    # The languages people can choose (each has a catalogue in dispatch/translations, see
    # docs/translating.md), and the company's language: for whoever has not chosen one and whose
    # browser asks for none of them, for mail to addresses without an account, and for the
    # commands. A Romanian company sets DEFAULT_LOCALE = "ro".
    LANGUAGES = ("en", "ro")
    DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Attachments: stored under generated names; the original name is kept only as text.
    MAX_CONTENT_LENGTH = 26 * 1024 * 1024  # whole request, a little above the file limit
    ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
    ATTACHMENT_MAX_FILES = 10
    # What one user may upload in 24 hours, all files together (None: no quota).
    ATTACHMENT_QUOTA_BYTES_PER_DAY: int | None = 200 * 1024 * 1024
    ATTACHMENT_DIR: str | None = None  # default: instance/attachments
    # "folder" (ATTACHMENT_DIR, one machine's disk: the embedded default) or "database" (the
    # application database, which every web machine sees: set it when there are several).
    ATTACHMENT_STORAGE = "folder"

    RATELIMIT_STORAGE_URI = "memory://"
    # The storage (Redis) unreachable: each process counts in its own memory meanwhile, so the
    # limits still hold and signing in keeps working (without it every limited request would
    # fail with a 500); the shared counts are used again once it answers.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_DEFAULT: str | None = None
    RATELIMIT_HEADERS_ENABLED = True
    # Signing in: every attempt per client address (generous: a site's office may share one
    # address), and failed attempts per e-mail typed, from any address except the browsers
    # that have signed in to that account before (dispatch.auth.throttle).
    LOGIN_ADDRESS_LIMIT = "60 per minute"
    LOGIN_ACCOUNT_LIMIT = "5 per 15 minutes"
    LOGIN_DEVICE_DAYS = 365  # how long a browser stays known to the account it signed in to
    SUBMIT_RATE_LIMIT = "30 per hour"
    # Passwords (dispatch.auth.passwords): "forgot your password?" links and their limits.
    PASSWORD_FORM_RATE_LIMIT = "10 per minute"  # a new password by link, or one's own, per IP
    PASSWORD_RESET_LINK_MINUTES = 60
    PASSWORD_SET_LINK_DAYS = 7  # the link in the acknowledgement to a requester without one
    # Importing people from CSV (dispatch.people.csv_import): welcome mails sent an hour, at
    # most (the rest wait in the outbox), and people a file.
    PEOPLE_IMPORT_MAILS_PER_HOUR = 100
    PEOPLE_IMPORT_MAX_ROWS = 5000
    PASSWORD_RESET_RATE_LIMIT = "5 per 15 minutes"  # requests per IP address
    PASSWORD_RESET_ADDRESS_LIMIT = "3 per hour"  # requests per e-mail address typed
    PASSWORD_RESET_MIN_SECONDS = 0.3  # the answer takes as long whether or not the account exists

    # Logs (dispatch.logs): "json" (one object per line, for a log collector) or "text"; None
    # chooses text in debug mode and tests, JSON otherwise. `make run` sets "text".
    LOG_FORMAT: str | None = None
    LOG_LEVEL = "INFO"  # the app's own loggers; libraries keep Python's default (warnings)
    READY_CHECK_TIMEOUT = 2.0  # seconds /readyz waits on the database and on Redis
    READY_CHECK_CACHE_SECONDS = 1.0  # how long a process answers /readyz without checking again

    TICKETS_PER_PAGE = 50
    # Service levels: warn when this share of a target's business time is used (then again
    # at the breach); 1 or more sends only the breach.
    SLA_WARNING_SHARE = 0.75
    # How often `flask reports schedule` looks whether last month's summary is due (seconds).
    REPORT_SUMMARY_INTERVAL = 3600
    ASSETS_PER_PAGE = 25
    # A TrueType font for the asset labels' text (None: DejaVu Sans where the system has it).
    LABEL_FONT = None
    # Priority from impact × urgency (ITIL-style matrix); the dispatcher may override it.
    DEFAULT_ONSITE_DURATION_MIN = 60
    # What the engine weighs a visit ending after its ticket's due time at (the dispatcher's
    # due date or the service level's resolution due), in seconds of travel: once for the
    # breach, and per minute late.
    PLANNING_LATE_BREACH_COST = 1800
    PLANNING_LATE_COST_PER_MINUTE = 60
    # What the engine weighs serving a device's visit by another technician than the one who
    # last visited it, in seconds of travel.
    PLANNING_PREFERRED_WEIGHT = 1800
    # How far past the end of a shift the engine may plan a technician's day, in minutes (0:
    # not at all), and what each minute over costs it, in seconds of travel.
    PLANNING_OVERTIME_MAX_MINUTES = 0
    PLANNING_OVERTIME_COST_PER_MINUTE = 0

    # Places (dispatch.geo). Any geopy geocoder by its service name ("nominatim", "photon",
    # "pelias", …) with its keyword arguments in GEOCODER_OPTIONS (e.g. {"domain": "…"} for a
    # private Nominatim, {"api_key": "…"} for a paid one); "" switches geocoding off.
    GEOCODER = "nominatim"
    GEOCODER_OPTIONS: dict = {}
    GEOCODER_USER_AGENT: str | None = None  # default "Dispatch/<version> (+GEOCODER_CONTACT)"
    GEOCODER_CONTACT = ""  # an e-mail or URL the provider can reach you at
    GEOCODER_TIMEOUT = 3.0  # seconds: a page never waits longer on the geocoder
    GEOCODER_MIN_DELAY_SECONDS: float | None = None  # None: 1 s for Nominatim, else no limit
    GEOCODER_RETRY_AFTER = 60.0  # after a failure, do not ask again for this many seconds
    GEOCODE_CACHE_MISS_DAYS = 7  # "no such place" answers are asked again after this
    MAP_TILE_URL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_ATTRIBUTION = "© OpenStreetMap contributors"
    # Travel times: great-circle × circuity ÷ speed, or road times from an OSRM table service.
    TRAVEL_SPEED_KMH = 40.0
    TRAVEL_CIRCUITY = 1.3
    OSRM_URL: str | None = None
    OSRM_TIMEOUT = 5.0

    # Directory sign-in (dispatch.directory, docs/directory.md). No LDAP_URL: off.
    LDAP_URL: str | None = None  # ldaps://dc1.example.com, or ldap://… with LDAP_START_TLS
    LDAP_START_TLS = False
    LDAP_CA_FILE: str | None = None  # the CA that signed the directory's certificate
    LDAP_ALLOW_PLAINTEXT = False  # ldap:// without TLS: honoured in debug mode and tests only
    LDAP_PRESET = "openldap"  # or "ad": which attributes hold what
    LDAP_BIND_DN: str | None = None  # the service account that searches for people
    LDAP_BIND_PASSWORD: str | None = None
    LDAP_BASE_DN: str | None = None
    LDAP_USER_FILTER: str | None = None  # default per preset; {login} is what was typed
    LDAP_USER_DN_TEMPLATE: str | None = None  # instead of a search: "uid={login},ou=people,…"
    LDAP_SYNC_FILTER: str | None = None  # everyone `flask directory sync` reads; per preset
    LDAP_ATTRIBUTES: dict = {}  # overrides of the preset: {"site": "l", …}
    LDAP_ROLE_GROUPS: dict = {}  # {"cn=Helpdesk-Dispatchers,…": "dispatcher"}: highest wins
    LDAP_NESTED_GROUPS: str | None = None  # "in_chain" (AD), "memberof", "none"; per preset
    LDAP_GROUP_DEPTH = 5
    LDAP_TIMEOUT = 5.0
    # The sync on RQ (flask directory schedule): every so many seconds, on a queue whose worker
    # runs with --with-scheduler (the mail worker's by default), each run given this long.
    LDAP_SYNC_INTERVAL = 3600
    LDAP_SYNC_TIMEOUT = 1800
    RQ_DIRECTORY_QUEUE = "mail"
    # Preventive maintenance (flask maintenance schedule): how often its visits are made.
    MAINTENANCE_INTERVAL = 3600
    MAINTENANCE_TIMEOUT = 600
    RQ_MAINTENANCE_QUEUE = "mail"

    # Single sign-on with OpenID Connect (dispatch.directory.oidc_*, docs/directory.md).
    # No OIDC_ISSUER: off.
    OIDC_ISSUER: str | None = None  # https://login.microsoftonline.com/<tenant>/v2.0, …
    OIDC_DISCOVERY_URL: str | None = None  # default: the issuer's /.well-known/openid-configuration
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_SCOPES = "openid email profile"
    OIDC_CLAIMS: dict = {}  # overrides of the claims read: {"groups": "roles", …}
    OIDC_ROLE_GROUPS: dict = {}  # {"Helpdesk-Dispatchers": "dispatcher"}: highest wins
    OIDC_EMAIL_DOMAINS: list = []  # only these domains may sign in (none: any)
    OIDC_DIRECTORY_ACCOUNTS = False  # the directory's (LDAP) accounts may sign in by SSO too
    OIDC_TIMEOUT = 5.0
    OIDC_LEEWAY = 60  # seconds of clock difference allowed on the ID token's times


# Seconds to wait for a database server's connection: an unreachable server fails a request (and
# /readyz) in this time instead of the operating system's minutes.
DATABASE_CONNECT_TIMEOUT = 5


def server_engine_options(url: str, options: dict) -> dict:
    """The engine options for a database URL: for a database server (PostgreSQL), test each
    pooled connection before use (``pool_pre_ping``: after the server restarts, the next
    requests reconnect instead of failing on a dead connection) and bound the time to connect;
    SQLite, a file, needs neither. The options given, and a ``connect_timeout`` in the URL, win."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return dict(options)
    merged = {"pool_pre_ping": True, **options}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        merged["connect_args"] = {
            "connect_timeout": DATABASE_CONNECT_TIMEOUT,
            **options.get("connect_args", {}),
        }
    return merged


def finalize(app: Flask) -> None:
    """Fill defaults that depend on the instance folder, the database and the profile;
    refuse to run without a SECRET_KEY outside debug and testing; say so when cookies are
    not Secure."""
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "dispatch.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = server_engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    log_format = (app.config.get("LOG_FORMAT") or "").lower()
    if not log_format:
        log_format = "text" if app.debug or app.testing else "json"
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    app.config["LOG_FORMAT"] = log_format
    if not app.config.get("ATTACHMENT_DIR"):
        app.config["ATTACHMENT_DIR"] = os.path.join(app.instance_path, "attachments")
    languages = tuple(app.config["LANGUAGES"])
    if not languages or app.config["DEFAULT_LOCALE"] not in languages:
        raise RuntimeError(f"DEFAULT_LOCALE must be one of LANGUAGES {languages}")
    # Flask-Babel's own default (a locale it falls back to, and the one of background work).
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    if app.config["ATTACHMENT_STORAGE"] not in ("folder", "database"):
        raise RuntimeError('ATTACHMENT_STORAGE must be "folder" or "database"')
    check_directory(app.config, debug_or_testing=app.debug or app.testing)
    check_oidc(app.config)  # a wrong single sign-on setting stops the start, named
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise MissingSecretKey()
        app.logger.warning("SECRET_KEY not configured: using a random one for this process")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if not app.testing and not (
        app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    ):
        app.logger.warning(
            "Cookies are not Secure (SESSION_COOKIE_SECURE / REMEMBER_COOKIE_SECURE off): "
            "right for plain HTTP on this machine (make run), never for a deployment"
        )


class MissingSecretKey(NoAppException):
    """No SECRET_KEY outside debug and testing. Flask's own "the app could not be loaded", so
    that `flask …` prints the message alone; gunicorn and RQ show it as the reason the app did
    not start."""

    def __init__(self) -> None:
        super().__init__(
            "SECRET_KEY is not set. Every process of one installation needs the same key: set "
            "FLASK_SECRET_KEY in the environment (e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) or SECRET_KEY in "
            "instance/config.py (`make install` writes one)."
        )
