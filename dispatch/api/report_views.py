"""The reports in the JSON API: the same figures as the reports page, for dispatchers' and
admins' tokens and site managers' within their sites (anyone else's token gets a 404, as for a
page they may not see)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from dispatch.api.auth import api_user
from dispatch.api.bodies import REPORT_FILTERS
from dispatch.api.operations import describe
from dispatch.api.views import bp
from dispatch.reports.access import report_for, report_sites, restrict
from dispatch.reports.catalog import REPORTS, Inputs, compute
from dispatch.reports.scope import Scope, period_bounds, whole_days
from dispatch.types import utcnow


def _scope(sites: frozenset[int] | None) -> Scope:
    args = REPORT_FILTERS.read()
    param = REPORT_FILTERS.params
    first, last = period_bounds(param["start"].read(args), param["end"].read(args), utcnow().date())
    scope = whole_days(
        first,
        last,
        ZoneInfo("UTC"),
        site_id=param["site"].read(args),
        department_id=param["department"].read(args),
        category_id=param["category"].read(args),
        kind=param["kind"].read(args),
        channel=param["channel"].read(args),
    )
    return restrict(scope, sites)


@bp.get("/reports/<name>")
@describe(
    "api",
    operation_id="getReport",
    summary="Read a report",
    description="One report's rows for a period (whole UTC days) and filters: "
    + ", ".join(REPORTS)
    + ". Dispatchers' and admins' tokens, and site managers' for their sites only; each figure "
    "is defined in docs/reports.md.",
    query=REPORT_FILTERS,
    status=200,
    schema="Report",
    answer="The report.",
    errors=(400, 404),
)
def get_report(name: str) -> dict[str, Any]:
    sites = report_sites(api_user())
    report = report_for(name, sites)
    scope = _scope(sites)
    inputs = Inputs(float(current_app.config.get("TRAVEL_SPEED_KMH", 40)), utcnow())
    return {
        "report": name,
        "title": str(report.title),
        "scope": scope.as_dict(),
        "columns": [{"key": c.key, "label": str(c.label), "unit": c.unit} for c in report.columns],
        "rows": compute(name, scope, inputs),
    }
