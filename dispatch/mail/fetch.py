"""Polling an IMAP mailbox once: each unseen message is stored, then marked seen or moved.

A message is only marked after it is stored, so a crash or a database outage leaves it unseen
for the next run; two runs at once both ingest it, and the dedup key makes the second a copy.
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field

from flask import current_app

from dispatch.mail.ingest import TemporaryFailure, ingest

log = logging.getLogger("dispatch.mail")


class FetchError(Exception):
    """The mailbox could not be reached or read."""


@dataclass
class FetchResult:
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def connect() -> imaplib.IMAP4:
    cfg = current_app.config
    host = cfg.get("MAIL_IMAP_HOST")
    if not host:
        raise FetchError("MAIL_IMAP_HOST is not set")
    timeout = cfg["MAIL_IMAP_TIMEOUT"]
    try:
        # The server's certificate is always verified (name included): against the system's
        # authorities, or MAIL_IMAP_CAFILE's for a company's own.
        context = ssl.create_default_context(cafile=cfg.get("MAIL_IMAP_CAFILE") or None)
        if cfg["MAIL_IMAP_SSL"]:
            conn = imaplib.IMAP4_SSL(
                host, int(cfg.get("MAIL_IMAP_PORT") or 993), ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(host, int(cfg.get("MAIL_IMAP_PORT") or 143), timeout=timeout)
            if cfg["MAIL_IMAP_STARTTLS"]:
                conn.starttls(ssl_context=context)
        conn.login(cfg.get("MAIL_IMAP_USERNAME") or "", cfg.get("MAIL_IMAP_PASSWORD") or "")
    except (OSError, imaplib.IMAP4.error) as exc:
        raise FetchError(f"cannot log in to {host}: {exc}") from exc
    return conn


def fetch_once() -> FetchResult:
    """Take the unseen messages of the folder once. Raises FetchError or TemporaryFailure."""
    cfg = current_app.config
    result = FetchResult()
    conn = connect()
    try:
        typ, _ = conn.select(_quote(cfg["MAIL_IMAP_FOLDER"]))
        if typ != "OK":
            raise FetchError(f"no folder {cfg['MAIL_IMAP_FOLDER']}")
        typ, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[: cfg["MAIL_IMAP_BATCH"]] if typ == "OK" else []
        for uid in uids:
            size = _size(conn, uid)
            too_big = size is not None and size > cfg["MAIL_MAX_BYTES"]
            raw = _fetch(conn, uid, "BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]")
            if raw is None:
                continue  # taken meanwhile by another fetch
            # TemporaryFailure: stop here and leave the message unseen for the next run
            outcome = ingest(raw, source="imap", size=size if too_big else None)
            _done(conn, uid)
            result.seen += 1
            result.outcomes[outcome.status] = result.outcomes.get(outcome.status, 0) + 1
    except imaplib.IMAP4.error as exc:
        raise FetchError(str(exc)) from exc
    finally:
        try:
            conn.logout()
        except Exception:
            pass
    return result


def _size(conn: imaplib.IMAP4, uid: bytes) -> int | None:
    typ, parts = conn.uid("FETCH", uid, "(RFC822.SIZE)")
    for part in parts or ():
        found = re.search(rb"RFC822\.SIZE (\d+)", part if isinstance(part, bytes) else b"")
        if found:
            return int(found.group(1))
    return None


def _fetch(conn: imaplib.IMAP4, uid: bytes, what: str) -> bytes | None:
    """The message (or its header) without setting \\Seen: that waits until it is stored."""
    typ, parts = conn.uid("FETCH", uid, f"({what})")
    if typ != "OK":
        return None
    for part in parts or ():
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def _done(conn: imaplib.IMAP4, uid: bytes) -> None:
    target = current_app.config.get("MAIL_IMAP_DONE_FOLDER")
    if not target:
        conn.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        return
    if "MOVE" in conn.capabilities:
        typ, _ = conn.uid("MOVE", uid, _quote(target))
        if typ == "OK":
            return
    conn.uid("COPY", uid, _quote(target))
    conn.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
    if "UIDPLUS" in conn.capabilities:
        conn.uid("EXPUNGE", uid)
    else:
        conn.expunge()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["FetchError", "FetchResult", "TemporaryFailure", "fetch_once"]
