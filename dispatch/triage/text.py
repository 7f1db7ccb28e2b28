"""How triage reads a request, whatever its language: folded text, its word and character
n-grams, and where a folded word stands in the text as the user wrote it.

Folding lowers the case and drops accents (NFKD, combining marks removed), so "imprimantă",
"imprimanta" and the phone-typed "imprimantã" read the same, and both Romanian forms of s and t
(comma below ș ț, and the legacy cedilla ş ţ of windows-1250 keyboards) become s and t. The
fitted vectorisers and the numpy-only predictor both call :func:`fold` and the n-gram functions
here, so they cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

TOKEN = re.compile(r"(?u)\b\w[\w'-]*\b")  # a word: letters/digits, then also ' and -
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)  # within words, padded with a space on each side (scikit-learn's char_wb)

# Romanian function words, folded; with scikit-learn's English list they are never given as a
# reason ("words like 'de', 'la'" explains nothing). Only the explanation uses them: as n-grams
# they still help the classifier.
ROMANIAN_STOP_WORDS = frozenset(
    """a acea acel acesta aceasta acest acum ai al ale am ar are as asa au azi cu ca cand care
    ce cea cel cele cei cineva cum da daca dar de deja din dintr doar dupa e ea el ele eu fi fie
    fost i ii il imi in inca intr ista iar la le li lui m ma mai mi mie mult ne nici nimic nu
    o ori pe pentru pana pe pt sa sau se si sunt ta te tot toti tu un una unde unei unui va vor
    voi vreau zice""".split()
)


class _Folding(dict):
    """``str.translate`` table that works out each character's folding once, on first sight."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code).lower())
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLDING = _Folding()


def fold(text: str) -> str:
    """Lower case, accents off, character by character (so positions can be mapped back)."""
    return text.lower() if text.isascii() else text.translate(_FOLDING)


def word_grams(folded: str) -> list[str]:
    """Word unigrams then bigrams, as scikit-learn's word analyser makes them."""
    tokens = TOKEN.findall(folded)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def char_grams(folded: str) -> list[str]:
    """Character 2-5-grams inside each whitespace-separated chunk padded with spaces, as
    scikit-learn's ``char_wb`` analyser makes them (a short chunk counts once)."""
    return list(chain.from_iterable(map(chunk_grams, folded.split())))


@lru_cache(maxsize=50_000)  # requests share most of their words: cut each one once
def chunk_grams(chunk: str) -> tuple[str, ...]:
    padded = f" {chunk} "
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:  # a short chunk counts once, whole
            grams.append(padded)
            break
        grams.extend(padded[start : start + n] for start in range(len(padded) - n + 1))
    return tuple(grams)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from in ``text``."""
    folded, origin = [], []
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    return "".join(folded), origin


def _as_written(text: str, origin: list[int], start: int, end: int) -> str:
    stop = origin[end - 1] + 1
    # Combining marks typed after the last letter (a decomposed "ș") belong to it.
    while stop < len(text) and unicodedata.combining(text[stop]):
        stop += 1
    return text[origin[start] : stop]


def words_as_written(text: str) -> dict[str, str]:
    """Each folded word of ``text`` -> its first occurrence as written (case and accents kept),
    so a reason quotes "imprimantă" to the user who typed it, and "imprimanta" to one who did
    not."""
    folded, origin = _folded_with_origin(text)
    written: dict[str, str] = {}
    for match in TOKEN.finditer(folded):
        written.setdefault(match.group(), _as_written(text, origin, match.start(), match.end()))
    return written


def find_phrase(phrase: str, text: str) -> str | None:
    """``phrase`` in ``text`` as whole words, ignoring case, accents and spacing: the matched
    words as written in ``text``, or None. A rule for "lan" does not fire on "plant"; one for
    "hârtie blocată" fires on "hartie  blocata" and on "hârtie blocată"."""
    parts = fold(phrase).split()
    if not parts:
        return None
    folded, origin = _folded_with_origin(text)
    match = re.search(r"(?<!\w)" + r"\s+".join(re.escape(p) for p in parts) + r"(?!\w)", folded)
    return None if match is None else _as_written(text, origin, match.start(), match.end())
