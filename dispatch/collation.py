"""Names sorted and searched the way people write them, on SQLite and PostgreSQL alike.

Sorting: a database compares text by code point unless told otherwise, which puts "Șerban" and
"Ăla" after "Zoe". ``by_name`` orders a column in the reader's language instead: on PostgreSQL
with its ICU collations ("ro-RO-x-icu": a ă â b … s ș t ț … z), on SQLite with collations this
module registers on every connection, built from the language's alphabet (SQLite has no locale
collations of its own; its built-in NOCASE folds ASCII letters only).

Searching: ``folded(column)`` is the column lower-cased and without diacritics in SQL, the
same folding (``fold``) as the ticket search's stored column, so "brasov" finds "Brașov" and
the legacy cedilla "Braşov": PostgreSQL's unaccent (a trusted extension, created with the
schema), a registered function on SQLite.
"""

from __future__ import annotations

import functools
import unicodedata

from flask_babel import get_locale
from sqlalchemy import DDL, ColumnElement, String, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

#: Letters in the order of each language's alphabet; a letter outside it sorts as its base
#: letter (é as e). English needs no list: every accented letter sorts with its base letter.
ALPHABETS = {"ro": "aăâbcdefghiîjklmnopqrsștțuvwxyz"}
#: PostgreSQL's ICU collation per language (every Debian, Ubuntu and PGDG build has ICU).
ICU_COLLATIONS = {"en": "en-US-x-icu", "ro": "ro-RO-x-icu"}
#: The cedilla letters of legacy keyboards are the comma-below letters of the standard.
_CEDILLA = str.maketrans("şŞţŢ", "șȘțȚ")
#: Letters rank above everything else (digits, spaces, punctuation keep their own order).
_LETTERS_FROM = 0x10000


def fold(text: str) -> str:
    """Case-folded, compatibility-decomposed (NFKD) text with the combining marks dropped:
    'Ș', 'ş' and 'ș' all become 's', 'Ă' becomes 'a', 'ﬁ' becomes 'fi'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sqlite_collation(language: str) -> str:
    return f"dispatch_{language}"


@functools.lru_cache(maxsize=4096)
def sort_key(text: str, language: str) -> tuple[str, str, str]:
    """The key a name sorts by in ``language``: its letters by the alphabet, then accents,
    then case (so "ana" and "Ana" sit together)."""
    text = unicodedata.normalize("NFC", text.translate(_CEDILLA))
    order = {letter: i for i, letter in enumerate(ALPHABETS.get(language, ""))}
    primary = []
    for char in text.casefold():
        if char not in order:
            char = fold(char) or char
        primary.append("".join(chr(_LETTERS_FROM + order[c]) if c in order else c for c in char))
    return "".join(primary), fold(text) + "\0" + text.casefold(), text


def _compare(language: str):
    def compare(a: str, b: str) -> int:
        ka, kb = sort_key(a, language), sort_key(b, language)
        return (ka > kb) - (ka < kb)

    return compare


def register_sqlite(dbapi_connection) -> None:
    """Give a SQLite connection the language collations and the folding function."""
    for language in ("en", *ALPHABETS):
        dbapi_connection.create_collation(sqlite_collation(language), _compare(language))
    dbapi_connection.create_function("dispatch_fold", 1, _fold_or_null, deterministic=True)


def _fold_or_null(text):
    return None if text is None else fold(str(text))


class in_language(ColumnElement):
    """``column COLLATE <the language's collation>``, the collation chosen for the database the
    query is compiled for (a language without its own order sorts by the root order: every
    accented letter with its base)."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("language", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement, language: str) -> None:
        self.column = column
        self.language = language
        self.type = column.type


@compiles(in_language)
def _in_language_other(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(in_language, "sqlite")
def _in_language_sqlite(element, compiler, **kw):
    name = sqlite_collation(element.language if element.language in ALPHABETS else "en")
    return compiler.process(element.column.collate(name), **kw)


@compiles(in_language, "postgresql")
def _in_language_postgresql(element, compiler, **kw):
    name = ICU_COLLATIONS.get(element.language, "und-x-icu")
    return compiler.process(element.column.collate(name), **kw)


def name_order(column: ColumnElement) -> ColumnElement:
    """``column`` for ORDER BY in the language of this request (or of the company, in
    background work)."""
    locale = get_locale()
    return in_language(column, locale.language if locale is not None else "en")


class folded(FunctionElement):
    """The column lower-cased without diacritics, for LIKE against ``fold(words)``."""

    type = String()
    inherit_cache = True
    name = "dispatch_fold"


@compiles(folded)
def _folded_sqlite(element, compiler, **kw):
    return f"dispatch_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    return f"lower(unaccent({compiler.process(element.clauses, **kw)}))"


def create_extension_with(table, extension: str) -> None:
    """Create a PostgreSQL extension with ``table`` in a schema made without the migrations (the
    tests'); the migrations create it too. Only trusted extensions (unaccent, pg_trgm): a
    database's owner may create them."""
    event.listen(
        table,
        "before_create",
        DDL(f"CREATE EXTENSION IF NOT EXISTS {extension}").execute_if(dialect="postgresql"),
    )
