"""The mail channel's settings and their defaults (each settable as FLASK_MAIL_… variables)."""

from __future__ import annotations

from flask import Flask
from flask.cli import NoAppException

DEFAULTS = {
    # Out: SMTP. No MAIL_SERVER means the local outbox (admins read it at /mail).
    "MAIL_SERVER": None,
    "MAIL_PORT": None,  # 25, or 465 with MAIL_USE_SSL
    "MAIL_USE_TLS": False,  # STARTTLS
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "Dispatch <dispatch@localhost>",
    "MAIL_ENVELOPE_FROM": None,  # Return-Path for bounces; default: the sender's address
    "MAIL_TIMEOUT": 10,
    # rq | thread | inline | manual (default: rq with RQ_REDIS_URL, else thread; manual under
    # TESTING)
    "MAIL_DELIVERY": None,
    "MAIL_POLL_SECONDS": 30,  # the sender thread also wakes this often for retries
    "MAIL_SEND_ATTEMPTS": 8,
    "MAIL_BASE_URL": None,  # for links in mail, e.g. https://dispatch.example.com
    "MAIL_MESSAGE_ID_DOMAIN": None,  # default: the sender address's domain
    # In.
    "MAIL_MAX_BYTES": 25 * 1024 * 1024,
    "MAIL_ACK_PER_HOUR": 5,  # automatic answers (acknowledgements, refusals) per address
    "MAIL_AUTO_REPLY_LIMIT": 200,  # automatic answers per hour to everyone together
    "MAIL_MAX_TICKETS_PER_HOUR": 20,  # new tickets per sender; beyond: quarantine
    "MAIL_REOPEN_DAYS": 14,  # a reply to a ticket closed longer ago opens a follow-up
    # e.g. ["example.com"] or "example.com, example.org"; empty: anyone may write
    "MAIL_ALLOWED_DOMAINS": (),
    # Empty MAIL_ALLOWED_DOMAINS outside debug and tests must be meant: see check_intake.
    "MAIL_OPEN_INTAKE": False,
    # Our MTA's authserv-id in Authentication-Results (RFC 8601), e.g. "mx.example.com", and
    # how many such headers it adds on top of each message (milters may add one each).
    "MAIL_AUTHSERV_ID": None,
    "MAIL_AUTHSERV_HEADERS": 1,
    # IMAP polling (flask mail fetch).
    "MAIL_IMAP_HOST": None,
    "MAIL_IMAP_PORT": None,  # 993 with SSL, else 143
    "MAIL_IMAP_SSL": True,
    "MAIL_IMAP_STARTTLS": False,
    "MAIL_IMAP_CAFILE": None,  # authorities to trust for the server's certificate (PEM)
    "MAIL_IMAP_USERNAME": None,
    "MAIL_IMAP_PASSWORD": None,
    "MAIL_IMAP_FOLDER": "INBOX",
    "MAIL_IMAP_DONE_FOLDER": None,  # move stored messages there; default: mark them seen
    "MAIL_IMAP_BATCH": 200,
    "MAIL_IMAP_TIMEOUT": 30,
    # Scheduled fetch on RQ (flask mail schedule; needs RQ_REDIS_URL).
    "MAIL_FETCH_INTERVAL": 60,  # seconds between two fetches
    "MAIL_FETCH_TIMEOUT": 600,  # a fetch running longer is stopped by RQ
    "RQ_MAIL_QUEUE": "mail",
    # Seconds a send job waits before reading the outbox, so that the messages committed
    # meanwhile go in the same job (see dispatch.mail.send_jobs); 0: none.
    "MAIL_SEND_GATHER_SECONDS": 0.5,
}


def apply_defaults(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config["MAIL_ALLOWED_DOMAINS"] = allowed_domains(app.config["MAIL_ALLOWED_DOMAINS"])
    check_intake(app)


def allowed_domains(value: object) -> tuple[str, ...]:
    """MAIL_ALLOWED_DOMAINS as lower-case domains. A list, or a string of domains separated by
    commas or spaces: FLASK_MAIL_ALLOWED_DOMAINS=example.com is not JSON, so it arrives as a
    string, and a string iterated as a list would allow one-letter "domains"."""
    if not value:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    domains = (str(item).strip().lstrip("@").strip(".").lower() for item in items)
    return tuple(dict.fromkeys(d for d in domains if d))


def _said_yes(value: object) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def check_intake(app: Flask) -> None:
    """Refuse to run a deployment whose mail intake is open to the whole internet by mistake.

    With no MAIL_ALLOWED_DOMAINS anyone anywhere gets an account, a ticket and an
    acknowledgement; that must be said (MAIL_OPEN_INTAKE) rather than be a default. Debug and
    tests stay open, as they make up a SECRET_KEY (dispatch.config.finalize).
    """
    if app.debug or app.testing or app.config["MAIL_ALLOWED_DOMAINS"]:
        return
    if not _said_yes(app.config["MAIL_OPEN_INTAKE"]):
        raise OpenMailIntake()


class OpenMailIntake(NoAppException):
    """Mail intake open to anyone without saying so. Flask's own "the app could not be
    loaded", so that `flask …` prints the message alone (as for a missing SECRET_KEY)."""

    def __init__(self) -> None:
        super().__init__(
            "MAIL_ALLOWED_DOMAINS is empty: mail from anyone on the internet would open "
            "tickets and be answered. Set FLASK_MAIL_ALLOWED_DOMAINS (e.g. "
            "'example.com,example.org') to the domains allowed to write to the help desk, or "
            "FLASK_MAIL_OPEN_INTAKE=true to accept mail from anyone on purpose."
        )
