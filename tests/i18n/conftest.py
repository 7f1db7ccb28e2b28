from __future__ import annotations

import pytest

from tests.i18n.catalogues import REAL_CATALOGUES, catalogues_of


@pytest.fixture
def romanian_app(app, tmp_path):
    """The app translating with the project's own catalogues (compiled for the test)."""
    with catalogues_of(app, REAL_CATALOGUES, tmp_path / "mo"):
        yield app
