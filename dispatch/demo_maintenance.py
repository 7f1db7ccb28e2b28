"""The demo company's maintenance plans: the printers' quarterly service at every site and the
UPS batteries six months after their last check. Their visits are made by ``flask maintenance
generate`` as they fall due (the first ones a month after the demo is loaded), so the demo's
planning week is the reported work alone."""

from __future__ import annotations

from datetime import date, timedelta

from dispatch.assets.models import AssetType
from dispatch.extensions import db
from dispatch.maintenance.models import MaintenancePlan
from dispatch.people.models import Role, User

PLANS = (
    dict(name="Quarterly printer service", type="Printer", rule="FREQ=MONTHLY;INTERVAL=3",
         checklist=["Clean the rollers and the paper path", "Check the toner and the drum",
                    "Print a test page"], duration_min=45, window_days=10, from_last_done=False),
    dict(name="UPS battery check", type="UPS", rule="FREQ=MONTHLY;INTERVAL=6",
         checklist=["Run the self-test", "Note the battery's runtime"], duration_min=30,
         window_days=5, from_last_done=True),
)  # fmt: skip


def load_plans(today: date) -> None:
    """Add the plans the demo does not have yet (by name)."""
    admin = db.session.scalar(db.select(User).filter_by(role=Role.ADMIN).order_by(User.id))
    known = set(db.session.scalars(db.select(MaintenancePlan.name)))
    start = today + timedelta(days=30)
    for spec in PLANS:
        kind = db.session.scalar(db.select(AssetType).filter_by(name=spec["type"]))
        if spec["name"] in known or kind is None:
            continue
        values = {k: v for k, v in spec.items() if k != "type"}
        db.session.add(
            MaintenancePlan(
                **values, asset_type=kind, starts_on=start, lead_days=14, created_by=admin
            )
        )
    db.session.commit()
