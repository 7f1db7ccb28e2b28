"""Asset pages: the searched list, a device's page with its history, the editor, and the
label's address ``/a/<tag>``. Views stay thin: parse, call a service, render or redirect."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from dispatch.assets import access, page, queries, services
from dispatch.assets.forms import AssetForm
from dispatch.assets.models import AssetStatus, AssetType
from dispatch.auth.services import roles_required
from dispatch.collation import name_order
from dispatch.errors import Conflict, ValidationError
from dispatch.extensions import db
from dispatch.keyset import BadCursor
from dispatch.people.models import Role
from dispatch.sites.models import Site

bp = Blueprint("assets", __name__)
EDITORS = (Role.DISPATCHER, Role.ADMIN)


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None


@bp.get("/assets")
@login_required
def index():
    q = (request.args.get("q") or "").strip()[: queries.SEARCH_MAX]
    status = request.args.get("status") if request.args.get("status") in set(AssetStatus) else None
    filters = dict(site_id=int_arg("site"), status=status, type_id=int_arg("type"))
    query = queries.search(current_user, q, **filters)
    try:
        found = queries.page(
            query, request.args.get("cursor"), current_app.config["ASSETS_PER_PAGE"]
        )
    except BadCursor:
        found = queries.page(query, None, current_app.config["ASSETS_PER_PAGE"])
    sites = db.session.scalars(
        db.select(Site).where(Site.active).order_by(name_order(Site.name))
    ).all()
    types = db.session.scalars(db.select(AssetType).order_by(name_order(AssetType.name))).all()
    return render_template(
        "assets/index.html",
        page=found,
        q=q,
        filters=filters,
        sites=sites,
        types=types,
        can_edit=access.can_edit(current_user),
    )


@bp.get("/assets/<int:asset_id>")
@login_required
def detail(asset_id: int):
    asset = access.get_visible_asset(current_user, asset_id)
    return render_template("assets/detail.html", **page.detail_context(asset, current_user))


@bp.route("/assets/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    return _editor(None, AssetForm())


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(asset_id: int):
    asset = access.get_visible_asset(current_user, asset_id)
    return _editor(asset, AssetForm(data=page.form_data(asset)))


def _editor(asset, form: AssetForm):
    types, status, extra_errors = page.choices(form, asset), 200, {}
    if form.validate_on_submit():
        try:
            data = form.to_input(request.form, page.owner_id(form.owner.data))
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            saved = services.save_asset(asset, current_user, data, expected_version=version)
        except ValidationError as exc:
            extra_errors, status = form.add_errors(exc.errors or {"form": [exc.message]}), 400
        except Conflict as exc:
            flash(exc.message, "warning")
            return redirect(url_for(".edit", asset_id=asset.id))
        else:
            flash(_("Asset %(tag)s is saved.", tag=saved.tag), "success")
            return redirect(url_for(".detail", asset_id=saved.id))
    elif form.is_submitted():
        status = 400
    ctx = page.editor_context(form, types, asset, extra_errors, request.form)
    return render_template("assets/form.html", **ctx), status


@bp.get("/assets/in-room")
@login_required
def in_room():
    """The devices of a room, for the request form (their tags are on them for all to see)."""
    site_id = int_arg("site")
    args = {k: (request.args.get(k) or "")[:80] for k in ("building", "floor", "room")}
    rows = db.session.scalars(access.in_room(site_id, **args).order_by("tag").limit(50))
    found = [{"id": a.id, "tag": a.tag, "what": a.model or str(a.type)} for a in rows]
    return jsonify(assets=found)


@bp.get("/a/<path:tag>")
@login_required
def scanned(tag: str):
    """A scanned label. Staff land on the device's page; anyone else on a new request about it
    (the tag is printed on the device: whoever holds it may report it)."""
    asset = services.find_tag(tag)
    if asset is None:
        abort(404, description=_("No asset has the tag %(tag)s.", tag=tag[:40]))
    if current_user.is_staff:
        return redirect(url_for(".detail", asset_id=asset.id))
    return redirect(url_for("tickets.new", asset=asset.tag))
