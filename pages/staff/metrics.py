"""Staff: whether the portal works — time to find invoices, how often customers sign in, and billing
questions per 100 invoices before and after each customer started using the portal."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.date_range import date_range_inputs
from components.headings import page_heading, section_heading
from components.notice import notice
from components.tables import cell, data_table, table_row
from services.errors import PortalError
from services.localization.today import today_for
from services.staff.metrics import MetricSeries, MetricsReport, metric_filter_options, operational_metrics
from services.staff.metrics_query import MetricsQuery, parse_metrics_query
from services.url_params import url_with_params
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

PALETTE = ["#1e40af", "#b45309", "#0f766e", "#7c3aed"]


def _charts(report: MetricsReport) -> list[tuple[str, str, list[MetricSeries], str]]:
    """(title, explanation, series, chart type) for each chart, in reading order."""
    return [
        ("Time to invoice retrieval", "From the day an invoice is issued (or reaches the portal, if later) to its "
         "first view by the customer, in hours.", [report.first_view_hours, report.first_view_hours_median], "line"),
        ("Finding an invoice", "From loading the dashboard to opening an invoice in the same session, in seconds.",
         [report.dashboard_to_invoice_seconds, report.dashboard_to_invoice_seconds_median], "line"),
        ("Portal sign-ins", "Sign-ins per customer that signed in during the period, and per user.",
         [report.logins_per_customer, report.logins_per_user], "bar"),
        ("Billing questions per 100 invoices", "Support requests per 100 invoices issued, for customers before "
         "and after their first portal sign-in.", [report.support_per_100_before, report.support_per_100_after],
         "bar"),
    ]


def _value_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def metrics_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Metrics") as (principal, guard):
        fmt = formatter_for(principal)
        query = parse_metrics_query(dict(request.query_params))
        page_heading("Metrics", "Is the portal doing its job? Each chart can be downloaded as CSV.")
        for problem in query.problems:
            notice(problem, "warning")
        with runtime.unit_of_work() as db:
            options = metric_filter_options(db, principal)
        draft = {"granularity": query.granularity, "customer_id": query.customer_id, "tier_id": query.tier_id,
                 "date_from": query.start, "date_to": query.end}
        with ui.card().classes("w-full p-4 gap-3"):
            with ui.row().classes("w-full gap-3 items-center"):
                ui.toggle({"week": "Weeks", "month": "Months"}, value=query.granularity,
                          on_change=lambda e: draft.update(granularity=e.value)).props("no-caps")
                ui.select({c.id: c.name for c in options.customers}, label="Customer", value=query.customer_id,
                          with_input=True, clearable=True, on_change=lambda e: draft.update(customer_id=e.value)).props(
                    "outlined dense").classes("w-64")
                ui.select({t.id: t.name for t in options.tiers}, label="Tier", value=query.tier_id, clearable=True,
                          on_change=lambda e: draft.update(tier_id=e.value)).props("outlined dense").classes("w-44")
                date_range_inputs(query.start, query.end, on_change=lambda **change: draft.update(change))

                def apply() -> None:
                    chosen = MetricsQuery(draft["granularity"], draft["customer_id"], draft["tier_id"],  # type: ignore[arg-type]
                                          draft["date_from"], draft["date_to"])  # type: ignore[arg-type]
                    ui.navigate.to(url_with_params("/admin/metrics", chosen.params()))

                ui.button("Show", icon="insights", on_click=apply).props("unelevated no-caps")
        try:
            with runtime.unit_of_work() as db:
                report = operational_metrics(db, principal, today_for(principal.timezone),
                                             granularity=query.granularity, start=query.start, end=query.end,
                                             customer_id=query.customer_id, tier_id=query.tier_id)
        except PortalError as error:
            notice(str(error), "negative")
            return
        labels = [fmt.date(period) if query.granularity == "week" else period.strftime("%Y-%m")
                  for period in report.periods]
        params = query.params()
        with ui.element("div").classes("w-full grid gap-4 lg:grid-cols-2"):
            for title, explanation, series, kind in _charts(report):
                with ui.card().classes("w-full p-4 gap-2"):
                    section_heading(title)
                    ui.label(explanation).classes("text-sm portal-muted")
                    ui.echart({
                        "animation": False,
                        "tooltip": {"trigger": "axis"},
                        "legend": {"top": 0, "left": 0, "type": "scroll"},
                        "grid": {"left": 48, "right": 16, "top": 64, "bottom": 28},
                        "xAxis": {"type": "category", "data": labels},
                        "yAxis": {"type": "value", "name": series[0].unit, "nameGap": 14,
                                  "nameTextStyle": {"align": "left"}},
                        "series": [{"type": kind, "name": one.name, "data": [point.value for point in one.points],
                                    "connectNulls": False, "itemStyle": {"color": PALETTE[index]}}
                                   for index, one in enumerate(series)],
                    }).classes("w-full h-64").props(f'role="img" aria-label="{title} chart; the numbers are below"')
                    with ui.expansion("Numbers").classes("w-full text-sm"):
                        with data_table(title, ["Period", *[f"{one.name} ({one.count_label})" for one in series]]):
                            for index, label in enumerate(labels):
                                with table_row():
                                    cell(label, classes="whitespace-nowrap")
                                    for one in series:
                                        point = one.points[index]
                                        cell(f"{_value_text(point.value)} ({point.count})")
                    with ui.row().classes("gap-3"):
                        for one in series:
                            ui.link(f"CSV: {one.name}", url_with_params(f"/admin/metrics/{one.key}.csv", params)).classes(
                                "text-sm text-blue-800").props("download")
