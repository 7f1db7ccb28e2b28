from __future__ import annotations

from datetime import date

import pytest

from dispatch.maintenance.plans import PlanInput, save_plan


@pytest.fixture
def make_plan(app, make_user):
    """A saved plan through the service (an admin's unless ``actor`` is given)."""

    def make(actor=None, **kw):
        values = dict(
            name="Printer service",
            rule="FREQ=MONTHLY;INTERVAL=3",
            starts_on=date(2027, 1, 4),
            lead_days=14,
            window_days=10,
        )
        values.update(kw)
        return save_plan(None, actor or make_user("admin"), PlanInput(**values))

    return make
