"""Malformed input of every shape is a 4xx, never a 500 (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch.api.bodies import NEW_TICKET, TICKET_FILTERS, TRIAGE

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

NASTY = [
    "",
    " ",
    "\x00",
    "\ud800",
    "x" * 300,
    "<script>alert(1)</script>",
    "'; DROP TABLE ticket;--",
    "remote",
    "onsite",
    "new",
    "high",
    "1",
    "-1",
    "1e999",
    "2026-11-30T09:00:00Z",
    "09:00",
    "\u202e",
    "NaN",
]
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.integers(min_value=-2, max_value=5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(NASTY),
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
field_values = st.dictionaries(
    st.sampled_from(["asset", "copies", "size", "when", "note", "zz"]), values, max_size=5
)


def _bodies(keys):
    """Anything with the right keys, or a nearly valid body with nasty values in it (so that
    the values get past the first checks and reach the services and the database)."""
    key = st.sampled_from(sorted(keys) + ["", "extra"])
    nasty = st.sampled_from(NASTY) | values
    nearly_valid = st.fixed_dictionaries(
        {
            "subject": st.sampled_from(["Broken", *NASTY]) | st.text(max_size=5),
            "kind": st.sampled_from(["remote", "onsite"]),
        },
        optional={k: nasty for k in sorted(keys - {"subject", "kind", "fields"})}
        | {
            "fields": field_values | values,
            "category": st.integers(0, 3) | values,
            "site": st.integers(0, 3) | values,
        },
    )
    return st.dictionaries(key, values, max_size=7) | nearly_valid.map(
        lambda body: {k: v for k, v in body.items() if k in keys}
    )


RAW = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"[" * 5000,
            b"{" * 3000,
            b'{"subject": 1e999}',
            b'{"subject": "\\ud800"}',
            b'{"subject": "' + b"\\u0000" + b'"}',
            b'{"subject": ' + b"9" * 5000 + b"}",
            b"\xef\xbb\xbf{}",
            b"null",
            b"",
            b'{"subject": "x"}{',
            b'{"a":' * 50,
            json.dumps({"subject": "x", "fields": {"a" * 5000: 1}}).encode(),
        ]
    ),
)


@pytest.fixture
def setup(api, make_site, make_category, make_ticket):
    make_site()
    make_category(
        fields=[
            {"key": "asset", "label": "Asset", "type": "asset_tag"},
            {"key": "copies", "label": "Copies", "type": "number"},
            {"key": "size", "label": "Size", "type": "choice", "choices": ["S", "M"]},
            {"key": "when", "label": "When", "type": "date"},
            {"key": "note", "label": "Note", "type": "text"},
        ]
    )
    a = api(role="dispatcher")
    ticket = make_ticket()
    return a, ticket


def _check(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json


@FUZZ
@given(body=_bodies(NEW_TICKET.names))
def test_fuzzed_create_bodies(setup, body):
    a, _ticket = setup
    _check(a.post("/api/v1/tickets", json=body))


@FUZZ
@given(body=_bodies(TRIAGE.names))
def test_fuzzed_triage_bodies(setup, body):
    a, ticket = setup
    _check(a.post(f"/api/v1/tickets/{ticket.id}/triage", json=body))


@FUZZ
@given(
    raw=RAW,
    content_type=st.sampled_from(
        ["application/json", "text/plain", "", "application/json; charset=latin-1"]
    ),
)
def test_fuzzed_raw_bodies(setup, raw, content_type):
    a, ticket = setup
    for path in ("/api/v1/tickets", f"/api/v1/tickets/{ticket.id}/triage"):
        _check(a.post(path, data=raw, content_type=content_type or None))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(sorted(TICKET_FILTERS.names) + ["x"]),
        st.sampled_from(NASTY) | st.text(max_size=12),
        max_size=4,
    )
)
def test_fuzzed_list_filters(setup, params):
    a, _ticket = setup
    # Lone surrogates become invalid UTF-8 in the URL: the server must cope with that too.
    _check(a.get("/api/v1/tickets?" + urlencode(params, errors="surrogatepass")))
