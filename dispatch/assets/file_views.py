"""Asset files: CSV import (upload, preview, import) and export, and the labels' PDF.
Dispatchers and admins only."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.assets import csv_io, labels, queries
from dispatch.assets.access import visible_assets
from dispatch.assets.forms import ImportForm
from dispatch.assets.models import Asset
from dispatch.assets.views import EDITORS, bp, int_arg
from dispatch.auth.services import roles_required
from dispatch.collation import name_order
from dispatch.errors import ValidationError
from dispatch.extensions import db, limiter
from dispatch.sites.models import Site


@bp.route("/assets/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
@limiter.limit("60 per hour", methods=["POST"])
def import_csv():
    """Upload → a preview of every row and every fault; "Import" sends the previewed text
    back, checked again and written in one transaction."""
    form, preview, content = ImportForm(), None, None
    if form.validate_on_submit():
        try:
            uploaded = form.file.data
            content = csv_io.decode(uploaded.read(csv_io.MAX_BYTES + 1)) if uploaded else None
            preview = csv_io.read(content if uploaded else form.content.data or "")
            if not uploaded and preview.ok:
                count = csv_io.save(preview, current_user)
                flash(_("%(n)d assets imported.", n=count), "success")
                return redirect(url_for(".index"))
            content = content or form.content.data
        except ValidationError as exc:
            form.file.errors = list(form.file.errors) + [exc.message]
            preview = None
    failed = form.file.errors or (preview is not None and not preview.ok)
    page = render_template(
        "assets/import.html", form=form, preview=preview, content=content, columns=csv_io.COLUMNS
    )
    return page, 400 if failed else 200


@bp.get("/assets/export.csv")
@roles_required(*EDITORS)
def export():
    status = request.args.get("status") or None
    query = queries.search(
        current_user,
        request.args.get("q"),
        site_id=int_arg("site"),
        status=status,
        type_id=int_arg("type"),
    )
    name = f"assets-{date.today().isoformat()}.csv"
    return Response(
        csv_io.export(query),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/assets/labels")
@roles_required(*EDITORS)
def labels_page():
    sites = db.session.scalars(
        select(Site).where(Site.active).order_by(name_order(Site.name))
    ).all()
    return render_template("assets/labels.html", sites=sites, chosen=int_arg("site"))


@bp.get("/assets/labels.pdf")
@roles_required(*EDITORS)
def labels_pdf():
    """Labels for a site (``?site=``) or a selection (``?ids=1,2,3`` or ``?tags=A,B``)."""
    query = visible_assets(current_user).order_by(Asset.tag)
    ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip().isdigit()][:2000]
    tags = [t.strip().upper() for t in request.args.get("tags", "").split(",") if t.strip()]
    site_id = int_arg("site")
    if ids or tags[:2000]:
        query = query.where(Asset.id.in_(ids) | Asset.tag.in_(tags[:2000]))
    elif site_id is not None:
        query = query.where(Asset.site_id == site_id)
    else:
        flash(_("Choose a site, or assets by their tags."), "warning")
        return redirect(url_for(".labels_page"))
    pdf = labels.sheet(
        db.session.scalars(query.limit(labels.MAX_LABELS)),
        lambda a: url_for("assets.scanned", tag=a.tag, _external=True),
        current_app.config.get("LABEL_FONT"),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="labels.pdf"'},
    )
