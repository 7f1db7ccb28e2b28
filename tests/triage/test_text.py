"""How triage reads text: folding, n-grams as scikit-learn makes them, words as written."""

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from dispatch.triage.text import char_grams, find_phrase, fold, word_grams, words_as_written

TEXTS = [
    "Imprimanta din sala 204 nu mai merge",
    "  e-mail\nre-install  it's   down ",
    "x",
    "a b  cd",
    "Ünïcödé ﬁ ligature straße",
    "",
]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ștefan cel Mare, Brașov", "stefan cel mare, brasov"),
        ("Ştefan cel Mare, Braşov", "stefan cel mare, brasov"),  # legacy cedilla
        ("ÎNTÂRZIERE ȚEAVĂ", "intarziere teava"),
        ("s\u0326i t\u0326", "si t"),  # decomposed comma below
        ("ﬁşier", "fisier"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("text", TEXTS)
def test_ngrams_are_scikit_learns(text):
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False)
    words = TfidfVectorizer(ngram_range=(1, 2), lowercase=False, token_pattern=r"(?u)\b\w[\w'-]*\b")
    assert char_grams(fold(text)) == chars.build_analyzer()(fold(text))
    assert word_grams(fold(text)) == words.build_analyzer()(fold(text))


def test_words_as_written_keep_case_and_accents():
    written = words_as_written("Imprimanta NU merge; imprimantă ştampilă s\u0326i")
    assert written["imprimanta"] == "Imprimanta"  # the first occurrence
    assert written["nu"] == "NU" and written["stampila"] == "ştampilă"
    assert written["si"] == "s\u0326i"  # the combining mark stays with its letter


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("hârtie blocată", "Avem hartie  blocata in tava 2", "hartie  blocata"),
        ("hartie blocata", "HÂRTIE BLOCATĂ la et. 2", "HÂRTIE BLOCATĂ"),
        ("ştampilă", "ștampilele nu se văd", None),  # whole words only
        ("ştampilă", "ștampila nu se vede", "ștampila"),
        ("lan", "The plant planning", None),
        ("lan", "No LAN at desk", "LAN"),
        ("c++", "Need c++ compiler", "c++"),
        ("   ", "anything", None),
    ],
)
def test_find_phrase(phrase, text, found):
    assert find_phrase(phrase, text) == found
