"""Staff: whether the portal works — time to find invoices, how often customers sign in, and billing
questions per 100 invoices before and after each customer started using the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request
from nicegui import ui

from components.attributes import attrs
from components.date_range import date_range_inputs
from components.headings import page_heading, section_heading
from components.notice import notice
from components.tables import cell, data_table, table_row
from services.errors import PortalError
from services.localization.today import today_for
from services.staff.metrics import (
    Granularity,
    MetricFilterOptions,
    MetricSeries,
    MetricsReport,
    metric_filter_options,
    operational_metrics,
)
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
    with signed_in_frame(request, "Metrics") as (principal, _guard):
        query = parse_metrics_query(dict(request.query_params))
        page_heading("Metrics", "Is the portal doing its job? Each chart can be downloaded as CSV.")
        for problem in query.problems:
            notice(problem, "warning")
        with runtime.unit_of_work() as db:
            options = metric_filter_options(db, principal)
        filter_card(options, query)
        try:
            with runtime.unit_of_work() as db:
                report = operational_metrics(db, principal, today_for(principal.timezone),
                                             granularity=query.granularity, start=query.start, end=query.end,
                                             customer_id=query.customer_id, tier_id=query.tier_id)
        except PortalError as error:
            notice(str(error), "negative")
            return
        fmt = formatter_for(principal)
        # both in the viewer's locale: a week by its first day, a month by name ("Nov 30, 2026", "Nov 2026")
        labels = [fmt.date(period) if query.granularity == "week" else fmt.month(period) for period in report.periods]
        with ui.element("div").classes("w-full grid gap-4 lg:grid-cols-2"):
            for title, explanation, series, kind in _charts(report):
                metric_card(title, explanation, series, kind, labels, query.params())


@dataclass
class _Draft:
    """The filter as the staff member sets it, before "Show" puts it in the URL."""

    granularity: Granularity
    customer_id: int | None
    tier_id: int | None
    start: date | None
    end: date | None

    def set_dates(self, **change: date | None) -> None:
        """What `date_range_inputs` reports: `date_from=…` or `date_to=…`."""
        self.start = change.get("date_from", self.start)
        self.end = change.get("date_to", self.end)


def filter_card(options: MetricFilterOptions, query: MetricsQuery) -> None:
    draft = _Draft(query.granularity, query.customer_id, query.tier_id, query.start, query.end)

    def apply() -> None:
        chosen = MetricsQuery(draft.granularity, draft.customer_id, draft.tier_id, draft.start, draft.end)
        ui.navigate.to(url_with_params("/admin/metrics", chosen.params()))

    with ui.card().classes("w-full p-4 gap-3"), ui.row().classes("w-full gap-3 items-center"):
        ui.toggle({"week": "Weeks", "month": "Months"}, value=query.granularity,
                  on_change=lambda e: setattr(draft, "granularity", e.value)).props("no-caps")
        ui.select({c.id: c.name for c in options.customers}, label="Customer", value=query.customer_id,
                  with_input=True, clearable=True, on_change=lambda e: setattr(draft, "customer_id", e.value)).props(
            "outlined dense").classes("w-64")
        ui.select({t.id: t.name for t in options.tiers}, label="Tier", value=query.tier_id, clearable=True,
                  on_change=lambda e: setattr(draft, "tier_id", e.value)).props("outlined dense").classes("w-44")
        date_range_inputs(query.start, query.end, on_change=draft.set_dates)
        ui.button("Show", icon="insights", on_click=apply).props("unelevated no-caps")


def metric_card(title: str, explanation: str, series: list[MetricSeries], kind: str, labels: list[str],
                params: dict[str, str]) -> None:
    """One chart, its numbers in a table that opens, and a CSV link per series."""
    with ui.card().classes("w-full p-4 gap-2"):
        section_heading(title)
        ui.label(explanation).classes("text-sm portal-muted")
        attrs(ui.echart({
            "animation": False,
            "tooltip": {"trigger": "axis"},
            # A plain legend wraps onto a second line on a phone instead of paging behind arrows, and
            # a long series name wraps within a phone's width instead of being cut.
            "legend": {"bottom": 0, "left": 0, "right": 0, "type": "plain",
                       "textStyle": {"width": 250, "overflow": "break", "lineHeight": 16}},
            "grid": {"left": 48, "right": 16, "top": 36, "bottom": 100},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": {"type": "value", "name": series[0].unit, "nameGap": 14, "nameTextStyle": {"align": "left"}},
            "series": [{"type": kind, "name": one.name, "data": [point.value for point in one.points],
                        "connectNulls": False, "itemStyle": {"color": PALETTE[index]}}
                       for index, one in enumerate(series)],
        }).classes("w-full h-80"), {"role": "img", "aria-label": f"{title} chart; the numbers are below"})
        with ui.expansion("Numbers").classes("w-full text-sm"):
            numbers_table(title, series, labels)
        with ui.row().classes("gap-3"):
            for one in series:
                ui.link(f"CSV: {one.name}", url_with_params(f"/admin/metrics/{one.key}.csv", params)).classes(
                    "text-sm text-blue-800").props("download")


def numbers_table(title: str, series: list[MetricSeries], labels: list[str]) -> None:
    with data_table(title, ["Period", *[f"{one.name} ({one.count_label})" for one in series]]):
        for index, label in enumerate(labels):
            with table_row():
                cell(label, ).classes("whitespace-nowrap")
                for one in series:
                    point = one.points[index]
                    cell(f"{_value_text(point.value)} ({point.count})")
