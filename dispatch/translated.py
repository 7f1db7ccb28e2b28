"""Names an administrator gives in each language the app speaks, read in the reader's language.

A category, an asset type, their extra fields and a department keep their texts twice: the
plain columns (``name``, ``label``, ``choices`` …) hold the stable text — what the API,
imports, exports for machines, uniqueness and the values tickets keep rely on; the company's
language's (``DEFAULT_LOCALE``) as the migrations found it — and ``translations`` holds each
language's version an administrator gave, ``{"name": {"ro": "…", "en": "…"}}``.
``text(attribute)`` reads one in the language of the page (or of the mail being written): the
reader's, else the company's, else the plain column, else whatever language has one, so a name
is never empty because a translation is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column


def default_language() -> str:
    return current_app.config["DEFAULT_LOCALE"] if has_app_context() else "en"


def languages() -> list[str]:
    """The languages offered, the company's first."""
    if not has_app_context():
        return ["en"]
    default = default_language()
    return [default] + [code for code in current_app.config["LANGUAGES"] if code != default]


def _filled(value: Any) -> bool:
    return value not in (None, "", [])


def pick(texts: Mapping[str, Any] | None, stored: Any) -> Any:
    """The text of ``texts`` ({language: text}) for the reader, with the fallbacks above."""
    texts = texts if isinstance(texts, Mapping) else {}
    locale = get_locale() if has_app_context() else None
    for code in (locale.language if locale is not None else None, default_language()):
        if code and _filled(texts.get(code)):
            return texts[code]
    if _filled(stored):
        return stored
    return next((v for v in texts.values() if _filled(v)), stored)


class Translated:
    """The ``translations`` column and ``text``, for a model whose names an admin translates."""

    # The server's default keeps rows written by plain SQL (bulk loads) valid too.
    translations: Mapped[dict[str, dict[str, Any]]] = mapped_column(
        JSON, default=dict, server_default="{}"
    )

    def text(self, attribute: str) -> Any:
        """``attribute`` in the reader's language."""
        return pick((self.translations or {}).get(attribute), getattr(self, attribute))

    def texts(self, attribute: str) -> dict[str, Any]:
        """Every language's version of ``attribute`` (the company's language's is the plain
        column when no other was given)."""
        given = dict((self.translations or {}).get(attribute) or {})
        stored = getattr(self, attribute)
        if _filled(stored) and not _filled(given.get(default_language())):
            given[default_language()] = stored
        return {code: text for code, text in sorted(given.items()) if _filled(text)}

    def set_translations(self, given: Mapping[str, Mapping[str, Any]]) -> None:
        """Store ``given`` ({attribute: {language: text}}), empty texts left out (a new dict:
        JSON columns track assignment only)."""
        kept = {
            attribute: {code: text for code, text in sorted(texts.items()) if _filled(text)}
            for attribute, texts in given.items()
        }
        self.translations = {attribute: texts for attribute, texts in kept.items() if texts}
