"""Our own Message-IDs, signed so that a reply can be tied to its ticket and a forgery seen.

``<dispatch.<ticket>.<nonce>.<hmac>@<domain>>``: the HMAC (SECRET_KEY) covers the ticket id
and the nonce, so nobody can make up a reference to a ticket they never received mail about.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app

SIG_LEN = 20
OURS = re.compile(
    r"^<dispatch\.(\d{1,12})\.([A-Za-z0-9]{1,40})\.([0-9a-f]{1,64})@([^<>\s]{1,200})>$"
)
SUBJECT_TAG = re.compile(r"\[#(\d{1,12})\]")


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def _sign(*parts: str) -> str:
    msg = "|".join(parts).encode()
    return hmac.new(_key(), msg, hashlib.sha256).hexdigest()[:SIG_LEN]


def domain() -> str:
    cfg = current_app.config
    if cfg.get("MAIL_MESSAGE_ID_DOMAIN"):
        return str(cfg["MAIL_MESSAGE_ID_DOMAIN"]).strip().lower()
    sender = sender_address()
    return sender.rsplit("@", 1)[-1] if "@" in sender else "dispatch.invalid"


def sender_address() -> str:
    """The address our mail comes from (MAIL_DEFAULT_SENDER: "addr", "Name <addr>" or a pair)."""
    value = current_app.config.get("MAIL_DEFAULT_SENDER") or "dispatch@localhost"
    if isinstance(value, (list, tuple)):
        value = value[-1]
    match = re.search(r"<([^<>]+)>", str(value))
    return (match.group(1) if match else str(value)).strip().lower()


def make_message_id(ticket_id: int | None, nonce: str | None = None) -> str:
    nonce = nonce or secrets.token_hex(8)
    tid = str(ticket_id or 0)
    return f"<dispatch.{tid}.{nonce}.{_sign(tid, nonce)}@{domain()}>"


def ticket_anchor(ticket_id: int) -> str:
    """The one Message-ID every message about a ticket refers to, so clients thread them."""
    return make_message_id(ticket_id, "thread")


def loop_token() -> str:
    """Value of our loop header: recognisable by this installation only."""
    return _sign("loop")


@dataclass(frozen=True)
class IdCheck:
    ours: bool
    valid: bool
    ticket_id: int | None


def check_message_id(message_id: str) -> IdCheck:
    match = OURS.match(message_id.strip())
    if not match or match.group(4).lower() != domain():
        return IdCheck(False, False, None)
    tid, nonce, sig = match.group(1), match.group(2), match.group(3)
    valid = hmac.compare_digest(sig, _sign(tid, nonce))
    return IdCheck(True, valid, int(tid) if valid and int(tid) else None)


@dataclass(frozen=True)
class ThreadRef:
    ticket_id: int | None  # from a valid signed reference
    forged: bool  # a reference in our format whose signature is wrong


def find_reference(ids: list[str], extra_text: str = "") -> ThreadRef:
    """The ticket named by our signed ids among ``ids`` (newest first) or in ``extra_text``
    (the returned headers of a bounce)."""
    forged = False
    found: int | None = None
    candidates = list(ids) + re.findall(r"<dispatch\.[^<>\s]{1,300}>", extra_text)[:50]
    for mid in candidates:
        check = check_message_id(mid)
        if check.ours and not check.valid:
            forged = True
        elif check.ticket_id and found is None:
            found = check.ticket_id
    return ThreadRef(found, forged)


def subject_ticket(subject: str) -> int | None:
    match = SUBJECT_TAG.search(subject or "")
    return int(match.group(1)) if match else None
