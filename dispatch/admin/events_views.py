"""The record of administration (/admin/events): who changed what, newest first, and its CSV
export. Part of the admin blueprint, so only administrators see it (everyone else: 404)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from dispatch.admin import events
from dispatch.admin.pages import bp
from dispatch.extensions import db, limiter
from dispatch.types import utcnow
from dispatch.web import page_number


def _viewer_zone() -> str | None:
    return current_user.site.timezone if current_user.site else None


@bp.get("/events", endpoint="events")
def events_page():
    filters, errors = events.parse_filters(request.args)
    page = db.paginate(
        events.events_query(filters, _viewer_zone()),
        page=page_number(),
        per_page=events.EVENTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/events.html",
        page=page,
        filters=filters,
        errors=errors,
        describe=events.describe,
        actions=events.ACTION_LABELS,
        target_types=events.TARGET_TYPES,
    )


@bp.get("/events.csv")
@limiter.limit("10 per minute")
def events_export():
    filters, _errors = events.parse_filters(request.args)
    text = events.export_csv(events.events_query(filters, _viewer_zone()))
    name = f"admin-record-{utcnow().date().isoformat()}.csv"
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
