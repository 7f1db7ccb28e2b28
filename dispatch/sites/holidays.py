"""Public holidays of a site's country, from the ``holidays`` package."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(country: str) -> Container[date]:
    """The public holidays of ``country`` (ISO 3166 code), any year; none for "" or a code
    the package does not know."""
    if not country:
        return frozenset()
    try:
        return holidays.country_holidays(country.upper())
    except NotImplementedError:
        return frozenset()


def country_codes() -> list[str]:
    """The ISO codes of the countries whose public holidays are known."""
    return sorted(code for code in holidays.list_supported_countries() if len(code) == 2)
