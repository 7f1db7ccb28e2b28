"""Who sees which asset, and who may change them. Every query for assets on behalf of a user
goes through here, as every query for tickets goes through dispatch.tickets.access.

Staff (agents, technicians, dispatchers, admins) see every asset. An employee sees the devices
they own, the devices in the rooms where their own devices are (the shared printer beside
their desk), and — when an admin lets them see their department's tickets — the devices their
department owns. Any other asset is a 404 for them. Dispatchers and admins create, edit and
import assets.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import aliased

from dispatch.assets.models import Asset, AssetStatus
from dispatch.errors import Forbidden, NotFound
from dispatch.extensions import db
from dispatch.people.models import Role, User

EDITOR_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})


def _same_room(mine, other) -> ColumnElement[bool]:
    return and_(
        mine.site_id == other.site_id,
        func.lower(mine.building) == func.lower(other.building),
        func.lower(mine.floor) == func.lower(other.floor),
        func.lower(mine.room) == func.lower(other.room),
        other.room != "",
    )


def visible_scope(user: User) -> ColumnElement[bool]:
    """The condition on Asset of the assets ``user`` may see."""
    if user.is_staff:
        return true()
    if user.role != Role.EMPLOYEE:
        return false()
    mine = aliased(Asset)
    in_my_rooms = exists().where(mine.owner_id == user.id, _same_room(mine, Asset))
    terms = [Asset.owner_id == user.id, in_my_rooms]
    if user.sees_department and user.department_id is not None:
        terms.append(Asset.department_id == user.department_id)
    return or_(*terms)


def visible_assets(user: User) -> Select:
    """A select of the assets ``user`` may see."""
    return select(Asset).where(visible_scope(user))


def get_visible_asset(user: User, asset_id: int) -> Asset:
    """The asset, or NotFound — also when it exists but is not the user's to see."""
    asset = db.session.scalar(visible_assets(user).where(Asset.id == asset_id))
    if asset is None:
        raise NotFound(_("No such asset."))
    return asset


def can_edit(user: User) -> bool:
    return user.role in EDITOR_ROLES


def require_editor(user: User) -> None:
    if not can_edit(user):
        raise Forbidden(_("Only dispatchers and admins can change assets."))


def in_room(site_id: int | None, building: str, floor: str, room: str) -> Select:
    """The assets in a room (not retired ones): what a request form offers for that room."""
    if site_id is None or not room.strip():
        return select(Asset).where(false())
    return select(Asset).where(
        Asset.site_id == site_id,
        func.lower(Asset.building) == building.strip().lower(),
        func.lower(Asset.floor) == floor.strip().lower(),
        func.lower(Asset.room) == room.strip().lower(),
        Asset.status != AssetStatus.RETIRED,
    )
