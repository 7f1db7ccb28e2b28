"""The ticket search of the inbox, the queues and the API: one implementation.

A query that is a ticket number ('1042' or '#1042') finds that ticket; '#1042' finds only it,
'1042' also finds tickets whose text holds 1042. Otherwise every word must occur in the subject,
the description or the name of the ticket's site, ignoring case and diacritics: both sides are
folded the same way (dispatch.tickets.folding) and the words are matched with LIKE on the stored
folded column, which a trigram index serves on PostgreSQL. The site's name is folded in SQL
(dispatch.collation.folded) inside one sub-select per word: a handful of sites, no query per
ticket, and a renamed site is found by its new name at once.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, false, or_, select

from dispatch.collation import folded
from dispatch.patterns import contains
from dispatch.sites.models import Site
from dispatch.tickets.folding import fold
from dispatch.tickets.models import Ticket

INT_MAX = 2**31 - 1  # ticket ids are 32-bit integers on PostgreSQL
#: More words than this add nothing a person types, and each is one more LIKE.
MAX_WORDS = 8
NUMBER = re.compile(r"(#)?\s*(\d{1,12})")


def words_clause(q: str) -> ColumnElement[bool] | None:
    """Every word of ``q`` in the folded subject, description or site name (None: no word)."""
    words = fold(q).split()[:MAX_WORDS]
    if not words:
        return None
    return and_(*(_word_clause(contains(w)) for w in words))


def _word_clause(pattern: str) -> ColumnElement[bool]:
    at_site = select(Site.id).where(folded(Site.name).like(pattern, escape="\\"))
    return or_(Ticket.search_text.like(pattern, escape="\\"), Ticket.site_id.in_(at_site))


def search_clause(q: str) -> ColumnElement[bool] | None:
    """The WHERE clause for a search box's text (None: nothing to filter on)."""
    q = q.strip()
    number = NUMBER.fullmatch(q)
    if number:
        n = int(number.group(2))
        by_id = Ticket.id == n if n <= INT_MAX else false()
        if number.group(1):
            return by_id
        return or_(by_id, words_clause(q))
    return words_clause(q)
