"""Romanian has three plural forms — 1 zi, 2 zile (also 0 and up to 19), 20 de zile — and the
app's ngettext picks the right one from the catalogue's Plural-Forms."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, ngettext

from dispatch.auth.passwords import valid_for
from tests.i18n.catalogues import TEST_CATALOGUES, catalogues_of


@pytest.mark.parametrize(
    "n, text",
    [(1, "1 zi"), (2, "2 zile"), (19, "19 zile"), (0, "0 zile"), (20, "20 de zile"),
     (101, "101 zile"), (120, "120 de zile")],
)  # fmt: skip
def test_romanian_plural_forms(app, tmp_path, n, text):
    with catalogues_of(app, TEST_CATALOGUES, tmp_path / "mo"), app.test_request_context():
        with force_locale("ro"):
            assert ngettext("%(num)d day", "%(num)d days", n) == text
        with force_locale("en"):
            assert ngettext("%(num)d day", "%(num)d days", n) == (
                f"{n} day" if n == 1 else f"{n} days"
            )


def test_the_apps_own_texts_use_them(app, tmp_path):
    # How long a first-password link works, as the welcome mail says it.
    app.config["PASSWORD_SET_LINK_DAYS"] = 20
    with catalogues_of(app, TEST_CATALOGUES, tmp_path / "mo"), app.test_request_context():
        with force_locale("ro"):
            assert valid_for("welcome") == "20 de zile"
