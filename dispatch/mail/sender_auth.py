"""Is the sender who the From header says? What our own mail server found (RFC 8601).

The receiving MTA checks SPF, DKIM and DMARC and writes its findings into an
``Authentication-Results`` header that names it (its authserv-id). Anyone can write such a
header into a message too, so only what our server wrote counts: a header with another
authserv-id is ignored, and of ours only the topmost ``MAIL_AUTHSERV_HEADERS`` (the ones our
server adds on top of whatever the message brought along) are read.

Only mail that claims to come from staff or from our own domain must pass: a forged staff
address is what turns an e-mail into a comment in a dispatcher's name. Everyone else may write
from anywhere (the help desk serves people whose mail systems we do not control).
"""

from __future__ import annotations

from dataclasses import dataclass

import authres
from flask import current_app

from dispatch.mail.message_ids import domain, sender_address
from dispatch.mail.parse import ParsedMail
from dispatch.people.models import User

HEADER = "Authentication-Results"
PASSING = "pass"


@dataclass(frozen=True)
class Result:
    """One method's result from our server, e.g. ("dmarc", "pass", {"header.from": "x.org"})."""

    method: str
    result: str
    properties: dict[str, str]


def _header_texts(mail: ParsedMail) -> list[str]:
    """The message's Authentication-Results headers, topmost first, each on one line."""
    try:
        return [" ".join(str(v).split()) for v in mail.headers.get_all(HEADER) or []]
    except Exception:
        return []


def _parse_ours(text: str, authserv_id: str):
    """The parsed header if our server wrote it (and it can be read), else None."""
    try:
        parsed = authres.AuthenticationResultsHeader.parse_value(text)
    except Exception:  # authres raises its own SyntaxError and more on hostile input
        return None
    if str(parsed.authserv_id or "").lower() != authserv_id.strip().lower():
        return None  # not written by our server: ignored
    return parsed


def our_results(mail: ParsedMail, authserv_id: str, headers: int = 1) -> list[Result] | None:
    """The results our own server wrote, topmost first; None when it wrote no readable one.

    A header of ours that cannot be parsed counts as none: nothing in it can be trusted.
    """
    found: list[Result] = []
    seen = False
    for text in _header_texts(mail)[: max(headers, 1)]:
        parsed = _parse_ours(text, authserv_id)
        if parsed is None:
            continue
        seen = True
        for res in parsed.results:
            props = {
                f"{p.type}.{p.name}".lower(): str(p.value or "").strip().lower()
                for p in res.properties
            }
            found.append(Result(str(res.method).lower(), str(res.result).lower(), props))
    return found if seen else None


def shown_headers(mail: ParsedMail) -> list[tuple[str, bool]]:
    """Each Authentication-Results header as received, with whether it was read (ours and
    among the topmost): for the dispatcher, who must not take a forged one at its word."""
    authserv_id = (current_app.config.get("MAIL_AUTHSERV_ID") or "").strip()
    top = max(int(current_app.config["MAIL_AUTHSERV_HEADERS"]), 1)
    return [
        (text, bool(authserv_id) and i < top and _parse_ours(text, authserv_id) is not None)
        for i, text in enumerate(_header_texts(mail))
    ]


def _mail_domain(value: str) -> str:
    """The domain of an address or a bare domain ("@x.org" and "user@x.org" give "x.org")."""
    return value.rsplit("@", 1)[-1].strip().strip(".").lower()


def aligned(one: str, other: str) -> bool:
    """Relaxed alignment (RFC 7489 3.1): the same domain, or one a subdomain of the other.

    A bare top-level domain never aligns, so "com" is not taken for every ".com" address.
    """
    one, other = _mail_domain(one), _mail_domain(other)
    if not one or not other or "." not in one or "." not in other:
        return False
    return one == other or one.endswith("." + other) or other.endswith("." + one)


def verdict(results: list[Result], from_domain: str) -> bool:
    """Whether our server vouches for the From domain: DMARC passed for it, or SPF or DKIM
    passed for a domain aligned with it."""
    for r in results:
        if r.result != PASSING:
            continue
        if r.method == "dmarc":
            said = r.properties.get("header.from")
            # DMARC judges the From domain itself: the one it names must be exactly ours.
            if said is None or _mail_domain(said) == from_domain:
                return True
        elif r.method == "spf":
            said = r.properties.get("smtp.mailfrom") or r.properties.get("smtp.helo") or ""
            if aligned(said, from_domain):
                return True
        elif r.method == "dkim":
            said = r.properties.get("header.d") or r.properties.get("header.i") or ""
            if aligned(said, from_domain):
                return True
    return False


def summary(results: list[Result]) -> str:
    """What our server said, short: "dmarc=fail spf=softfail dkim=none"."""
    shown = [f"{r.method}={r.result}" for r in results if r.method in ("dmarc", "spf", "dkim")]
    return " ".join(shown) or "no SPF, DKIM or DMARC result"


def own_domains() -> set[str]:
    """Our domains: the one we send from and the one naming our Message-IDs."""
    return {d for d in (_mail_domain(sender_address()), domain()) if d}


def claims_staff(mail: ParsedMail, user: User | None) -> bool:
    """The From header names a staff account or an address in our own domain."""
    if user is not None and user.is_staff:
        return True
    return _mail_domain(mail.sender) in own_domains()


def refusal(mail: ParsedMail, user: User | None) -> str:
    """Why this message must wait for a dispatcher before anything is done with it, or ''.

    Without ``MAIL_AUTHSERV_ID`` there is nothing to check (the ingest then trusts no staff
    address for a public comment instead; see :func:`can_vouch`).
    """
    authserv_id = (current_app.config.get("MAIL_AUTHSERV_ID") or "").strip()
    if not authserv_id or not claims_staff(mail, user):
        return ""
    results = our_results(mail, authserv_id, int(current_app.config["MAIL_AUTHSERV_HEADERS"]))
    if results is None:
        return (
            "claims to be from staff or our domain; our mail server gave no authentication result"
        )
    if verdict(results, _mail_domain(mail.sender)):
        return ""
    return (
        f"claims to be from staff or our domain; sender authentication failed ({summary(results)})"
    )


def can_vouch() -> bool:
    """Whether our mail server's authentication results are read at all."""
    return bool((current_app.config.get("MAIL_AUTHSERV_ID") or "").strip())
