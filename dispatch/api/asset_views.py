"""The JSON API's assets: list, read, create, update (routes on the API's blueprint).

The token acts as its user, with the pages' rules (dispatch.assets.access): an asset the user
may not see is a 404; creating and changing assets is for dispatchers and admins (403).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import jsonify, url_for
from flask_babel import gettext as _

from dispatch.api import parsing as p
from dispatch.api.asset_json import asset as asset_json
from dispatch.api.auth import api_user
from dispatch.api.bodies import ASSET_CHANGE, ASSET_FILTERS, NEW_ASSET
from dispatch.api.operations import describe
from dispatch.api.views import bp
from dispatch.assets import access, queries, services
from dispatch.assets.models import Asset
from dispatch.errors import NotFound, ValidationError
from dispatch.keyset import BadCursor

#: One asset's address. Any size of number reaches the view (which answers 404 past the
#: largest id): capped in the converter, a huge id matching GET's rule by its path but failing
#: the cap would make Werkzeug answer PATCH with 405 instead.
ONE = "/assets/<int(max=None):asset_id>"

#: API keys that name a related row → the service's input names.
_IDS = {"type": "type_id", "site": "site_id", "owner": "owner_id", "department": "department_id"}


def _visible(asset_id: int) -> Asset:
    if asset_id > p.MAX_ID:
        raise NotFound(_("No such asset."))
    return access.get_visible_asset(api_user(), asset_id)


def _input(base: services.AssetInput, data: dict[str, Any], body) -> services.AssetInput:
    """``base`` with the body's keys read through their declarations (null clears)."""
    changes = {_IDS.get(key, key): body.fields[key].read(data) for key in data if key != "version"}
    return replace(base, **changes)


@bp.get("/assets")
@describe(
    "api",
    operation_id="listAssets",
    summary="List assets",
    description="The assets the token's user may see, in tag order, a page at a time.",
    query=ASSET_FILTERS,
    status=200,
    schema="AssetPage",
    answer="A page of assets.",
    errors=(400,),
)
def list_assets():
    args = ASSET_FILTERS.read()
    param = ASSET_FILTERS.params
    query = queries.search(
        api_user(),
        param["q"].read(args),
        site_id=param["site"].read(args),
        status=param["status"].read(args),
        type_id=param["type"].read(args),
    )
    per_page = param["per_page"].read(args)
    try:
        page = queries.page(query, param["cursor"].read(args), per_page, name="api-assets")
    except BadCursor:
        raise ValidationError(
            _("Not a cursor of this list: use the next link of a page."), field="cursor"
        ) from None
    following = (
        url_for("api.list_assets", **{**args, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    return jsonify(
        {
            "items": [asset_json(a) for a in page.items],
            "per_page": per_page,
            "next_cursor": page.next_cursor,
            "next": following,
        }
    )


@bp.get(ONE)
@describe(
    "api",
    operation_id="getAsset",
    summary="Read an asset",
    description="An asset the token's user may see; any other is a 404.",
    status=200,
    schema="Asset",
    answer="The asset.",
    errors=(404,),
)
def get_asset(asset_id: int):
    return jsonify(asset_json(_visible(asset_id)))


@bp.post("/assets")
@describe(
    "api",
    operation_id="createAsset",
    summary="Create an asset",
    description="Dispatchers and admins only (others get 403).",
    body=NEW_ASSET,
    status=201,
    schema="Asset",
    answer="The new asset.",
    errors=(400, 403, 413, 415),
    headers={"Location": "The new asset's URL."},
)
def create_asset():
    user = api_user()
    access.require_editor(user)
    data = NEW_ASSET.read()
    new = _input(services.AssetInput(type_id=None, tag=""), data, NEW_ASSET)
    saved = services.save_asset(None, user, new)
    response = jsonify(asset_json(_visible(saved.id)))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_asset", asset_id=saved.id)
    return response


@bp.patch(ONE)
@describe(
    "api",
    operation_id="updateAsset",
    summary="Change an asset",
    description="Dispatchers and admins only: others get 404 for an asset they may not see "
    "and 403 for one they may.",
    body=ASSET_CHANGE,
    status=200,
    schema="Asset",
    answer="The asset, changed.",
    errors=(400, 403, 404, 409, 413, 415),
)
def update_asset(asset_id: int):
    user = api_user()
    asset = _visible(asset_id)
    access.require_editor(user)
    data = ASSET_CHANGE.read()
    version = ASSET_CHANGE.fields["version"].read(data)
    changed = _input(services.current_input(asset), data, ASSET_CHANGE)
    saved = services.save_asset(asset, user, changed, expected_version=version)
    return jsonify(asset_json(_visible(saved.id)))
