"""Text as the ticket search compares it: lower case, without diacritics.

Romanian is typed with and without its diacritics, and with two forms of ș and ț (comma below,
and the older cedilla of legacy keyboards): "sistem imprimanta" must find "Sistem imprimantă".
Both the stored search text of a ticket and the words searched for go through ``fold``, so the
database compares plain lower-case letters with LIKE, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dispatch.collation import fold

__all__ = ["fold", "search_text"]


def search_text(subject: str | None, description: str | None) -> str:
    """A ticket's search column: its subject and description folded, one per line (so that a
    word never spans the two)."""
    return fold(subject or "") + "\n" + fold(description or "")
