"""Ticket search: ticket numbers, words in any case and with or without diacritics (both forms
of Romanian ș and ț), every word required, LIKE's wildcards taken literally. The inbox, the
queue and the API share it (dispatch.tickets.search)."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.tickets.folding import fold, search_text
from dispatch.tickets.models import Ticket
from dispatch.tickets.search import MAX_WORDS, search_clause


@pytest.mark.parametrize(
    "given, folded",
    [
        ("Sistem imprimantă", "sistem imprimanta"),
        ("ȘȚșț", "stst"),  # comma below
        ("ŞŢşţ", "stst"),  # cedilla, from older keyboards
        ("ÎÂîâ Ă", "iaia a"),
        ("Straße ﬁle", "strasse file"),
    ],
)
def test_fold_drops_case_and_diacritics(given, folded):
    assert fold(given) == folded


def test_search_text_keeps_subject_and_description_apart():
    assert search_text("Ecran", "Negru") == "ecran\nnegru"
    assert search_text(None, None) == "\n"


def test_the_search_column_follows_every_change(make_ticket):
    ticket = make_ticket(subject="Imprimantă", description="Hârtie blocată")
    assert ticket.search_text == "imprimanta\nhartie blocata"
    ticket.subject = "Scanner"
    ticket.description = "Nu pornește"
    db.session.commit()
    stored = db.session.scalar(db.select(Ticket.search_text).where(Ticket.id == ticket.id))
    assert stored == "scanner\nnu porneste"


def test_a_row_inserted_without_the_orm_gets_its_search_text(make_user):
    requester = make_user()
    db.session.execute(
        db.insert(Ticket).values(requester_id=requester.id, subject="Țeavă spartă", description="")
    )
    db.session.commit()
    assert db.session.scalar(db.select(Ticket.search_text)) == "teava sparta\n"


@pytest.fixture
def found(make_ticket):
    tickets = {
        "printer": make_ticket(subject="Sistem imprimantă", description="Nu tipărește nimic"),
        "cedilla": make_ticket(subject="Ştergere fişier", description="Cont şters"),
        "comma": make_ticket(subject="Ștergere fișier", description="Cont șters"),
        "percent": make_ticket(subject="Disk 100% full", description="server_a"),
        "plain": make_ticket(subject="Monitor 1042", description="Ecran negru"),
    }

    def search(q):
        clause = search_clause(q)
        query = db.select(Ticket.id)
        if clause is not None:
            query = query.where(clause)
        ids = set(db.session.scalars(query))
        return {name for name, t in tickets.items() if t.id in ids}

    search.tickets = tickets
    return search


def test_words_match_regardless_of_case_and_diacritics(found):
    assert found("sistem imprimanta") == {"printer"}
    assert found("SISTEM IMPRIMANTĂ") == {"printer"}
    assert found("tiparește") == {"printer"}  # in the description
    assert found("imprim") == {"printer"}  # part of a word


def test_both_forms_of_s_and_t_find_both(found):
    assert found("ștergere") == {"cedilla", "comma"}
    assert found("ştergere") == {"cedilla", "comma"}
    assert found("stergere fisier") == {"cedilla", "comma"}


def test_every_word_must_match(found):
    assert found("fisier cont") == {"cedilla", "comma"}
    assert found("fisier imprimanta") == set()
    assert found("  ecran   monitor  ") == {"plain"}


def test_no_match(found):
    assert found("tastatura") == set()


def test_like_wildcards_are_literal(found):
    assert found("100%") == {"percent"}
    assert found("0%f") == set()  # % is not "anything"
    assert found("r_a") == {"percent"}
    assert found("k_1") == set()  # _ is not "any one letter"
    assert found("\\") == set()


def test_a_number_finds_that_ticket(found):
    printer = found.tickets["printer"]
    assert found(str(printer.id)) >= {"printer"}
    assert found(f"#{printer.id}") == {"printer"}
    assert found(f"# {printer.id}") == {"printer"}
    assert found("1042") >= {"plain"}  # a number is also text
    assert found("#99999999999") == set()  # beyond any ticket number: nothing, no error


def test_an_empty_or_blank_query_filters_nothing(found):
    assert search_clause("") is None and search_clause("   ") is None
    assert found("") == set(found.tickets)


def test_words_beyond_the_limit_are_ignored(found):
    words = " ".join(["sistem"] * MAX_WORDS + ["absent"])
    assert found(words) == {"printer"}


def test_the_sites_name_is_searched_too(make_ticket, make_site):
    brasov = make_site(name="Brașov")
    cedilla = make_site(name="Sediul Braşov Nord")
    cluj = make_site(name="Cluj-Napoca")
    at_brasov = make_ticket(subject="Imprimantă blocată", site_id=brasov.id)
    at_cedilla = make_ticket(subject="Scanner", site_id=cedilla.id)
    at_cluj = make_ticket(subject="Imprimantă blocată", site_id=cluj.id)
    nowhere = make_ticket(subject="Cont blocat")

    def search(q):
        return set(db.session.scalars(db.select(Ticket.id).where(search_clause(q))))

    assert search("brasov") == {at_brasov.id, at_cedilla.id}
    assert search("BRAȘOV") == search("Braşov") == {at_brasov.id, at_cedilla.id}
    # Every word still counts: one in the text, the other in the site's name.
    assert search("imprimanta brasov") == {at_brasov.id}
    assert search("blocat cluj") == {at_cluj.id}
    assert nowhere.id not in search("blocat brasov")
    assert search("bra_ov") == set()  # a wildcard stays literal in the site's name too
