"""The demo company has devices, and its request about a tagged PC is linked to it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from dispatch import demo
from dispatch.assets.models import Asset
from dispatch.demo_assets import DEVICES, PER_SITE
from dispatch.extensions import db
from dispatch.tickets.models import Ticket

pytestmark = pytest.mark.slow


def test_the_demo_has_devices_linked_to_its_requests(app):
    demo.load(today=date(2030, 1, 9))
    assert db.session.scalar(select(func.count(Asset.id))) >= 40
    pc = db.session.scalar(select(Asset).filter_by(tag="TMS-PC-0042"))
    linked = db.session.scalars(select(Ticket).where(Ticket.asset_id == pc.id)).all()
    assert [t.subject for t in linked] == ["Barcode scanner PC does not start"]
    demo.load(today=date(2030, 1, 9))  # twice: nothing more
    expected = len(DEVICES) + len(demo.SITES) * len(PER_SITE)
    assert db.session.scalar(select(func.count(Asset.id))) == expected
