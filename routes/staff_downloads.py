"""CSV downloads of the staff console (the audit trail; metric series), behind the staff gate and
the services' own staff check."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from routes.documents import attachment_header
from services.errors import NotFound
from services.localization.today import today_for
from services.staff.audit_viewer import audit_csv, parse_audit_filter
from services.staff.metrics import operational_metrics, series_csv
from services.staff.metrics_query import parse_metrics_query
from web.dependencies import CurrentPrincipal, PortalRuntime

router = APIRouter(include_in_schema=False)


def csv_response(text: str, filename: str) -> Response:
    # A byte-order mark lets spreadsheet programs read the UTF-8 (names in every script) correctly.
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": attachment_header(filename)})


@router.get("/admin/audit/export.csv")
def audit_export(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> Response:
    filters, _before, _problems = parse_audit_filter(dict(request.query_params), principal.timezone)
    with runtime.unit_of_work() as db:
        text, _count = audit_csv(db, runtime, principal, filters)
    return csv_response(text, f"audit-trail-{date.today().isoformat()}.csv")


@router.get("/admin/metrics/{key}.csv")
def metric_export(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal, key: str) -> Response:
    query = parse_metrics_query(dict(request.query_params))
    with runtime.unit_of_work() as db:
        report = operational_metrics(db, principal, today_for(principal.timezone), granularity=query.granularity,
                                     start=query.start, end=query.end, customer_id=query.customer_id,
                                     tier_id=query.tier_id)
    series = next((one for one in report.all_series if one.key == key), None)
    if series is None:
        raise NotFound(f"There is no metric called {key[:40]!r}.")
    return csv_response(series_csv(series), f"{key}-{report.start.isoformat()}-{report.end.isoformat()}.csv")
