"""Names sorted in the reader's language and found without their diacritics, on SQLite and
PostgreSQL alike (the same tests run on both)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from dispatch.audit.record import Target, record_admin_event
from dispatch.collation import name_order, sort_key
from dispatch.extensions import db
from dispatch.people.models import User

NAMES = ["Zoe Pop", "Șerban Ilie", "Sandu Rus", "Tudor Lupu", "Ăla Marin", "Ana Dobre", "Alin Stan"]
#: Romanian: ă after a, ș after s (a separate letter each).
ROMANIAN = [
    "Alin Stan",
    "Ana Dobre",
    "Ăla Marin",
    "Sandu Rus",
    "Șerban Ilie",
    "Tudor Lupu",
    "Zoe Pop",
]
#: English: every accented letter with its base letter.
ENGLISH = [
    "Ăla Marin",
    "Alin Stan",
    "Ana Dobre",
    "Sandu Rus",
    "Șerban Ilie",
    "Tudor Lupu",
    "Zoe Pop",
]


def test_romanian_alphabet_order():
    assert sorted(NAMES, key=lambda n: sort_key(n, "ro")) == ROMANIAN
    # The cedilla of legacy keyboards sorts as the comma below; case never splits a name.
    assert sort_key("Ţepeş", "ro")[0] == sort_key("țepeș", "ro")[0]
    assert sorted(["tudor", "Ţepeş", "Tania"], key=lambda n: sort_key(n, "ro")) == [
        "Tania",
        "tudor",
        "Ţepeş",
    ]


def test_english_order_puts_accented_letters_with_their_base():
    assert sorted(NAMES, key=lambda n: sort_key(n, "en")) == ENGLISH


def listed_names(html: str) -> list[str]:
    shown = [n for n in re.findall(r">([^<>]+)</a>", html) if n.strip() in NAMES]
    return [n.strip() for n in shown]


@pytest.mark.parametrize("language, expected", [("ro", ROMANIAN), ("en", ENGLISH)])
def test_admin_people_list_in_the_readers_order(client, auth, make_user, language, expected):
    for name in NAMES:
        make_user(name=name)
    auth.login(make_user(role="admin", name="Admin", locale=language))
    html = client.get("/admin/users?role=employee").get_data(as_text=True)
    assert listed_names(html) == expected


@pytest.mark.parametrize("typed", ["stefan", "Stefan", "ștefan", "ŞTEFAN", "ştefan"])
def test_admin_people_search_ignores_diacritics(client, auth, make_user, typed):
    make_user(name="Ștefan Brașoveanu", email="stefan.b@example.com")
    make_user(name="Ştefan Cedilă", email="s.cedila@example.com")  # the legacy cedilla
    make_user(name="Ana Pop", email="ana@example.com")
    auth.login(role="admin")
    html = client.get("/admin/users", query_string={"q": typed}).get_data(as_text=True)
    assert "Ștefan Brașoveanu" in html and "Ştefan Cedilă" in html and "Ana Pop" not in html
    html = client.get("/admin/users", query_string={"q": "brasov"}).get_data(as_text=True)
    assert "Ștefan Brașoveanu" in html and "Ştefan Cedilă" not in html


def test_admin_record_filters_its_actor_without_diacritics(client, auth, make_user):
    admin = auth.login(make_user(role="admin", name="Țurcanu Ioana"))
    other = make_user(role="admin", name="Mihai Ene")
    record_admin_event(admin, "created", Target("site", 1, "Brașov"), None, {"name": "Brașov"})
    record_admin_event(other, "created", Target("site", 2, "Cluj"), None, {"name": "Cluj"})
    db.session.commit()
    csv = client.get("/admin/events.csv", query_string={"actor": "turcanu"}).get_data(as_text=True)
    assert "Brașov" in csv and "Cluj" not in csv


def test_one_process_sorts_in_each_readers_language(app, make_user):
    # The compiled query is cached; the language must be part of what the cache tells apart.
    for name in NAMES:
        make_user(name=name)
    query = select(User.name).where(User.name.in_(NAMES))
    for language, expected in [("ro", ROMANIAN), ("en", ENGLISH), ("ro", ROMANIAN)]:
        with force_locale(language):
            assert db.session.scalars(query.order_by(name_order(User.name))).all() == expected
