"""Sender authentication: only our own mail server's Authentication-Results count (RFC 8601),
and only for mail in a staff member's name or from our own domain."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.mail import sender_auth
from dispatch.mail.models import Inbound
from dispatch.mail.parse import parse
from tests.mail.conftest import AUTHSERV_ID

fuzz = settings(
    max_examples=int(os.environ.get("MAIL_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def message(*results: str, sender: str = "dora@example.com") -> bytes:
    """A message whose Authentication-Results headers are ``results``, topmost first."""
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (
        f"{head}From: {sender}\r\nTo: help@example.com\r\nSubject: hi\r\n"
        "Message-ID: <a@b.example>\r\n\r\nbody\r\n"
    ).encode()


def ours(raw: bytes, headers: int = 1):
    return sender_auth.our_results(parse(raw), AUTHSERV_ID, headers)


def test_comments_quoted_values_and_several_results_are_read(app):
    [dmarc, spf, dkim] = ours(
        message(
            f"{AUTHSERV_ID} 1 (our server); dmarc=pass (p=reject dis=none) "
            'header.from=Example.COM; spf=pass (sender ok) smtp.mailfrom="bounce@mail.example.com";'
            "\r\n dkim=pass (2048-bit key) header.d=example.com header.s=s1 header.b=AbC+/="
        )
    )
    assert (dmarc.method, dmarc.result, dmarc.properties) == (
        "dmarc",
        "pass",
        {"header.from": "example.com"},
    )
    assert spf.properties == {"smtp.mailfrom": "bounce@mail.example.com"}
    assert dkim.properties["header.d"] == "example.com"


def test_headers_of_other_servers_are_ignored(app):
    raw = message("mx.evil.example; dmarc=pass header.from=example.com")
    assert ours(raw) is None  # not ours: as if there were none
    assert ours(message(f"{AUTHSERV_ID.upper()}; dmarc=pass header.from=example.com")) is not None


def test_only_the_topmost_headers_of_our_server_count(app):
    """A header the sender wrote with our authserv-id sits below the one our server added."""
    raw = message(
        f"{AUTHSERV_ID}; dmarc=fail header.from=example.com",
        f"{AUTHSERV_ID}; dmarc=pass header.from=example.com",
    )
    assert [r.result for r in ours(raw)] == ["fail"]
    assert [r.result for r in ours(raw, headers=2)] == ["fail", "pass"]  # two milters of ours


def test_an_unreadable_header_of_ours_counts_as_none(app):
    assert ours(message(f"{AUTHSERV_ID}; dmarc=")) is None
    assert ours(message(f'"{AUTHSERV_ID}"; ;;; dmarc=pass')) is None
    assert ours(message()) is None


@pytest.mark.parametrize(
    ("said", "passes"),
    [
        ("dmarc=pass header.from=example.com", True),
        ("dmarc=pass", True),  # DMARC judges the From domain by definition
        ("dmarc=pass header.from=evil.example", False),
        ("dmarc=pass header.from=sub.example.com", False),
        ("dmarc=fail header.from=example.com; spf=pass smtp.mailfrom=x@mail.example.com", True),
        ("spf=pass smtp.mailfrom=x@evil.example", False),
        ("spf=softfail smtp.mailfrom=x@example.com", False),
        ("dkim=pass header.d=example.com", True),
        ("dkim=pass header.i=@mail.example.com", True),
        ("dkim=pass header.d=com", False),
        ("dkim=pass header.d=evil-example.com", False),
        ("dkim=pass header.d=evil.example", False),
        ("arc=pass; iprev=pass policy.iprev=192.0.2.1", False),
        ("none", False),
    ],
)
def test_what_vouches_for_the_from_domain(app, said, passes):
    results = ours(message(f"{AUTHSERV_ID}; {said}"))
    assert sender_auth.verdict(results, "example.com") is passes


def test_alignment_is_relaxed_but_never_a_bare_top_level_domain():
    assert sender_auth.aligned("mail.example.com", "example.com")
    assert sender_auth.aligned("example.com", "x@Mail.Example.com")
    assert not sender_auth.aligned("com", "example.com")
    assert not sender_auth.aligned("myexample.com", "example.com")
    assert not sender_auth.aligned("", "example.com")


def test_only_staff_and_our_domain_must_authenticate(app, make_user, ingest, mail):
    app.config["MAIL_AUTHSERV_ID"] = AUTHSERV_ID
    app.config["MAIL_DEFAULT_SENDER"] = "Help <help@desk.example>"
    make_user("dispatcher", email="dora@partner.example")
    # No result at all: a customer writes as ever; staff and our domain wait.
    assert ingest(mail(sender="ana@customer.example")).status == Inbound.TICKET
    staff = ingest(mail(sender="dora@partner.example"))
    assert staff.status == Inbound.QUARANTINE and "no authentication result" in staff.reason
    own = ingest(mail(sender="someone@desk.example"))
    assert own.status == Inbound.QUARANTINE
    passed = ingest(
        mail(
            sender="dora@partner.example",
            headers={
                "Authentication-Results": f"{AUTHSERV_ID}; dkim=pass header.d=partner.example"
            },
        )
    )
    assert passed.status == Inbound.TICKET


def test_a_forged_pass_from_another_server_does_not_help(app, make_user, ingest, mail):
    app.config["MAIL_AUTHSERV_ID"] = AUTHSERV_ID
    make_user("dispatcher", email="dora@example.com")
    raw = mail(
        sender="dora@example.com",
        headers={"Authentication-Results": "mx.evil.example; dmarc=pass header.from=example.com"},
    )
    outcome = ingest(raw)
    assert outcome.status == Inbound.QUARANTINE and "no authentication result" in outcome.reason


results_text = st.text(
    alphabet=st.sampled_from(list('abcdefghijklmnopqrstuvwxyz0123456789.=;()"@ -\\')), max_size=120
)


@fuzz
@given(results_text)
def test_any_header_text_is_read_without_raising(app, text):
    results = ours(message(f"{AUTHSERV_ID}; {text}"))
    assert results is None or all(r.method and r.result for r in results)
    if results is not None:
        sender_auth.verdict(results, "example.com")


@fuzz
@given(results_text, st.sampled_from(["pass", "fail", "none", "softfail"]))
def test_nothing_below_our_topmost_header_changes_the_verdict(app, text, result):
    """Whatever a sender puts into the message, below the header our server adds on top."""
    top = f"{AUTHSERV_ID}; dmarc={result} header.from=example.com"
    alone = sender_auth.verdict(ours(message(top)), "example.com")
    below = ours(message(top, f"{AUTHSERV_ID}; {text}", f"mx.evil.example; {text}"))
    assert sender_auth.verdict(below, "example.com") is alone is (result == "pass")
