"""Text patterns for SQL searches, shared by every page that lets people type a search."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """Make % and _ (and the escape character itself) literal in a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) that matches ``text`` anywhere, literally."""
    return f"%{escape_like(text)}%"
