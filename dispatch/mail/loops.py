"""Never a loop, never a storm: recognising machine-made mail and our own mail coming back."""

from __future__ import annotations

from dispatch.mail.message_ids import check_message_id, loop_token, sender_address
from dispatch.mail.parse import ParsedMail

LOOP_HEADER = "X-Dispatch-Loop"
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
DAEMONS = frozenset({"mailer-daemon", "postmaster"})


def automatic_reason(mail: ParsedMail) -> str:
    """Why this message was written by a machine ('' when a person wrote it)."""
    submitted = mail.header("Auto-Submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"[:60]
    precedence = mail.header("Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in (
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress",
        "X-Failed-Recipients",
        "List-Id",
        "List-Unsubscribe",
    ):
        if mail.headers.get(name) is not None:
            return name
    if is_bounce(mail):
        return "delivery report"
    return ""


def is_bounce(mail: ParsedMail) -> bool:
    """A delivery report or other answer from a mail system rather than a person."""
    local = mail.sender.split("@", 1)[0]
    if local in DAEMONS:
        return True
    return_path = mail.headers.get("Return-Path")
    if return_path is not None and str(return_path).strip() in ("<>", ""):
        return True
    ctype = mail.header("Content-Type").lower()
    if mail.report and "delivery-status" in ctype:
        return True
    return mail.headers.get("X-Failed-Recipients") is not None


def is_auto_reply(mail: ParsedMail) -> bool:
    """Out-of-office and other answers a robot sent to a message."""
    submitted = mail.header("Auto-Submitted").split(";")[0].strip().lower()
    return (
        submitted == "auto-replied"
        or mail.header("Precedence").strip().lower() == "auto_reply"
        or mail.headers.get("X-Autoreply") is not None
        or mail.headers.get("X-Autorespond") is not None
    )


def is_our_own(mail: ParsedMail) -> bool:
    """Our own mail delivered back to us (a forwarding rule, a mis-set alias)."""
    if mail.header(LOOP_HEADER).strip() == loop_token():
        return True
    if mail.message_id and check_message_id(mail.message_id).valid:
        return True
    return bool(mail.sender) and mail.sender == sender_address()
