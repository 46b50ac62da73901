"""Export a period's invoices as one ZIP (PDFs + manifest.csv) or as CSV, and fetch archives
that were built in the background."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from components.date_range import date_range_inputs
from components.export_list import export_list
from components.forms import ExportForm
from components.headings import page_heading, section_heading
from components.notice import notice
from data.types import ExportStatus
from services.documents.export_selection import ExportSelection
from services.documents.exports import my_exports, preview_export
from services.invoices.list_query import PERIOD_LABELS, InvoiceQuery, Period
from services.localization.today import today_for
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

PROBLEMS = {
    "empty": "No invoices match this selection; there is nothing to export.",
    "too_many": "That selection holds more invoices than your plan allows in one archive. Choose a shorter period.",
    "busy": "Another export of yours is still being prepared; wait until it is ready.",
    "rate": "Your plan's limit of exports per hour is reached; please try again later.",
    "invalid_selection": "That selection is not valid; choose the invoices again.",
    "invalid_kind": "Choose a ZIP archive or a CSV file.",
    "forbidden": "Your role or your plan does not include exports.",
    "throttled": "Unusually many requests came from your account, so exports are paused for a few minutes.",
}
PRESETS = (Period.LAST_MONTH, Period.THIS_QUARTER, Period.THIS_YEAR, Period.LAST_YEAR, Period.CUSTOM)


def export_page(request: Request, runtime: PortalRuntime, problem: str = "", started: str = "") -> None:
    with signed_in_frame(request, "Export") as (principal, guard):
        fmt = formatter_for(principal)
        today = today_for(principal.timezone)
        form = ExportForm()
        page_heading("Export invoices")
        ui.label("One ZIP with every invoice's PDF and a manifest.csv, for your records or your tax adviser; or "
                 "just the CSV.").classes("portal-muted")
        if problem in PROBLEMS:
            notice(PROBLEMS[problem], "negative")
        state = {"query": InvoiceQuery(period=Period.LAST_YEAR if today.month < 4 else Period.THIS_YEAR)}

        with ui.card().classes("w-full max-w-2xl p-5 gap-3"):
            # The period and date controls are built once; a change redraws only what depends on it
            # (a rebuilt date field lost the focus at the first valid date, so a typed year stopped at
            # its first digit: 0002).
            with ui.row().classes("w-full gap-3 items-start"):
                ui.select({p.value: PERIOD_LABELS[p] for p in PRESETS}, label="Period",
                          value=(state["query"].period or Period.CUSTOM).value,
                          on_change=lambda e: change(period=Period(e.value))).props("outlined").classes("w-52")

                @ui.refreshable
                def custom_dates() -> None:
                    query = state["query"]
                    if query.period == Period.CUSTOM:
                        with ui.row().classes("gap-3 items-start"):
                            date_range_inputs(query.date_from, query.date_to, on_change=change, dense=False)

                custom_dates()

            @ui.refreshable
            def summary() -> None:
                query = state["query"]
                with runtime.unit_of_work() as db:
                    preview = preview_export(db, runtime, principal, ExportSelection(query=query), today)
                start, end = query.issue_date_range(today)
                span = f"{fmt.date(start)} – {fmt.date(end)}" if start and end else "choose both dates"
                ui.label(f"{span}: {preview.invoice_count:,} invoices").classes("font-medium").props(
                    'data-testid="export-count" aria-live="polite"')
                if not (preview.zip_allowed or preview.csv_allowed):
                    notice(PROBLEMS["forbidden"], "warning")
                    return
                if preview.invoice_count > preview.max_invoices:
                    notice(f"Your plan allows {preview.max_invoices:,} invoices per archive; choose a shorter period.",
                           "warning")
                elif preview.invoice_count > preview.immediate_limit:
                    ui.label("This archive is large: it is prepared in the background and you get a link.").classes(
                        "text-sm portal-muted")
                can_go = 0 < preview.invoice_count <= preview.max_invoices and (start is not None and end is not None)
                selection = ExportSelection(query=query).to_text()
                with ui.row().classes("gap-2"):
                    if preview.zip_allowed:
                        ui.button("Download ZIP", icon="folder_zip",
                                  on_click=lambda: form.submit(selection, "zip")).props(
                            "unelevated no-caps").set_enabled(can_go)
                    if preview.csv_allowed:
                        ui.button("Download CSV", icon="table_view",
                                  on_click=lambda: form.submit(selection, "csv")).props(
                            "outline no-caps").set_enabled(can_go)
                if not preview.csv_allowed:
                    ui.label("CSV files are not part of your plan.").classes("text-xs portal-muted")
                ui.label(f"Your plan: up to {preview.max_invoices:,} invoices per archive, {preview.per_hour} exports "
                         "an hour.").classes("text-xs portal-muted")

            def change(**values: object) -> None:
                before = state["query"]
                state["query"] = before.with_changes(**values)
                if (before.period == Period.CUSTOM) != (state["query"].period == Period.CUSTOM):
                    custom_dates.refresh()
                summary.refresh()

            summary()

        section_heading("Your exports").classes("mt-4")

        @ui.refreshable
        def exports() -> None:
            with runtime.unit_of_work() as db:
                rows = my_exports(db, runtime, principal)
            if started and rows and rows[0].background:
                # the newest export is the one just asked for: say where it stands, not what it was
                if rows[0].status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                    notice("Your archive is being prepared. It appears below when it is ready, and you get a "
                           "notification.", "info")
                elif rows[0].status == ExportStatus.READY:
                    notice("Your archive is ready: download it below.", "positive")
            export_list(rows, fmt.datetime)

        exports()
        guard.timer(2.0, exports.refresh)
    return None
