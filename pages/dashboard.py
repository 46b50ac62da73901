"""The customer's home: summary cards above the invoice list with filters, sorting and pages.

The query lives in the URL. Filter changes push a new URL and refresh only the list; going
back in the browser reloads the page at the earlier URL.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from components.forms import ExportForm
from components.headings import page_heading
from components.invoice_filters import invoice_filters
from components.invoice_table import RowHandles, TableFormat, invoice_table
from components.notice import notice
from components.pagination import pagination
from components.status_badge import set_status
from components.summary_cards import SummaryCards
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, customer_access
from services.invoices.list_query import PAGE_SIZES, InvoiceQuery, SortKey, parse_invoice_query
from services.invoices.queries import (
    AccountSummary,
    InvoicePage,
    InvoiceRow,
    account_summary,
    invoice_rows,
    list_invoices,
    vendor_options,
)
from services.localization.today import today_for
from services.notifications.live import LiveEvent
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.layout import signed_in_frame_live
from web.shared_reads import SharedRead
from web.viewer_format import formatter_for


def show_totals(cards: SummaryCards, totals: AccountSummary) -> None:
    cards.update(open_by_currency=totals.open_by_currency, open_count=totals.open_count,
                 overdue_by_currency=totals.overdue_by_currency, overdue_count=totals.overdue_count,
                 paid_this_year_by_currency=totals.paid_this_year_by_currency)


CUSTOMER_TOTALS: SharedRead[AccountSummary] = SharedRead()
RELOAD_ON_BACK = "<script>addEventListener('popstate', () => location.reload())</script>"


def dashboard_page(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> RedirectResponse | None:
    if principal.is_staff:
        return RedirectResponse("/admin", status_code=303)  # staff use the staff console
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    state = {"query": parse_invoice_query(params)}
    selected: set[int] = set()
    today = today_for(principal.timezone)
    fmt = formatter_for(principal)
    table_format = TableFormat(money=fmt.money, date=fmt.date)
    with signed_in_frame_live(request, "Invoices") as (principal, guard, live):
        with runtime.unit_of_work() as db:
            vendors = vendor_options(db, principal, today)
            access = customer_access(db, principal, today)
            can_zip, can_csv = access.can(Capability.EXPORT), access.can(Capability.EXPORT_CSV)
            can_export = can_zip or can_csv
            record_audit(db, runtime.secret_key, AuditAction.DASHBOARD_VIEW, AuditOutcome.SUCCESS, principal=principal)
        ui.add_body_html(RELOAD_ON_BACK)
        export_form = ExportForm() if can_export else None
        page_heading("Invoices")

        def load_totals() -> AccountSummary:
            with runtime.unit_of_work() as db:
                return account_summary(db, principal, today)

        def shared_totals(since: float) -> AccountSummary:
            # Every user of a customer on the same day and in the same zone sees the same totals
            # (same tier window): one read serves all those open dashboards after an event.
            return CUSTOMER_TOTALS.get((principal.customer_id, today, principal.timezone), since, load_totals)

        def load_page(query: InvoiceQuery) -> InvoicePage:
            with runtime.unit_of_work() as db:
                return list_invoices(db, principal, query, today)

        cards = SummaryCards(year=today.year, money=fmt.money)
        show_totals(cards, load_totals())
        arrivals = {"count": 0}
        row_handles: dict[int, RowHandles] = {}

        def load_rows(ids: set[int]) -> list[InvoiceRow]:
            with runtime.unit_of_work() as db:
                return invoice_rows(db, principal, ids, today)

        async def follow_ledger(events: list[LiveEvent]) -> None:
            # Change what is on screen in place (cards, badges, amounts due) from data read in a
            # worker thread: many open pages following the ledger never rebuild or stall the loop.
            totals = await run.io_bound(shared_totals, live.last_event_at)
            changed = {event.invoice_id for event in events if event.kind != "new_invoice"} & set(row_handles)
            rows = await run.io_bound(load_rows, changed) if changed else []
            if totals is not None:
                show_totals(cards, totals)
            for row in rows or []:
                handles = row_handles[row.id]
                for badge in handles.badges:
                    set_status(badge, row.status)
                if handles.due is not None:
                    handles.due.set_text(fmt.money(row.due_minor, row.currency) if row.due_minor else "—")
            if new := sum(event.kind == "new_invoice" for event in events):
                arrivals["count"] += new
                arrivals_banner.refresh()

        live.on_change(follow_ledger)

        @ui.refreshable
        def arrivals_banner() -> None:
            count = arrivals["count"]
            if not count:
                return
            with ui.row().classes("w-full items-center gap-3 p-2 rounded bg-blue-50 text-blue-900").props(
                    'role="status"'):
                ui.icon("fiber_new")
                ui.label(f"{count} new invoice{'s' * (count != 1)} arrived.")
                ui.button("Show", on_click=show_arrivals).props("flat dense no-caps")

        def show_arrivals() -> None:
            arrivals["count"] = 0
            arrivals_banner.refresh()
            results.refresh(None)

        def apply(query: InvoiceQuery) -> None:
            if query.with_changes(page=1) != state["query"].with_changes(page=1):
                selected.clear()  # a new filter starts a new selection
            state["query"] = query
            query_string = query.to_query_string()
            ui.navigate.history.push(f"/?{query_string}" if query_string else "/")
            filters.refresh()
            results.refresh(None)  # None: read the page anew (a bare refresh() reuses the last page)

        def sort_by(key: SortKey) -> None:
            query = state["query"]
            descending = not query.descending if key == query.sort else key != SortKey.NUMBER
            apply(query.with_changes(sort=key, descending=descending))

        def toggle(invoice_id: int, on: bool) -> None:
            (selected.add if on else selected.discard)(invoice_id)
            export_bar.refresh()

        @ui.refreshable
        def export_bar(total: int) -> None:
            assert export_form is not None
            if selected:
                text = f"{len(selected)} selected"
                selection = "ids=" + ",".join(map(str, sorted(selected)))
            else:
                text = f"All {total:,} matching"
                selection = state["query"].with_changes(page=1).to_query_string()
            with ui.row().classes("w-full items-center gap-2 justify-end"):
                ui.label(f"{text}:").classes("text-sm portal-muted")
                if can_zip:
                    ui.button("ZIP", icon="folder_zip", on_click=lambda: export_form.submit(selection, "zip")).props(
                        f'outline dense no-caps aria-label="Export {text} as ZIP"')
                if can_csv:
                    ui.button("CSV", icon="table_view", on_click=lambda: export_form.submit(selection, "csv")).props(
                        f'outline dense no-caps aria-label="Export {text} as CSV"')
                if selected:
                    ui.button("Clear selection", on_click=lambda: (selected.clear(), results.refresh(None))).props(
                        "flat dense no-caps")

        @ui.refreshable
        def filters() -> None:
            invoice_filters(state["query"], vendors, on_change=apply)

        @ui.refreshable
        def results(page: InvoicePage | None = None) -> None:
            query = state["query"]
            for problem in query.problems:
                notice(problem, "warning")
            page = page or load_page(query)
            if not page.rows:
                with ui.column().classes("w-full items-center gap-2 py-12 bg-white rounded-lg border border-gray-200"):
                    ui.icon("search_off").classes("text-5xl text-gray-400")
                    ui.label("No invoices match" if query.is_filtered else "No invoices yet").classes(
                        "text-lg font-medium")
                    if query.is_filtered:
                        ui.label("Try another number, vendor, status or period.").classes("portal-muted")
                        ui.button("Reset filters", icon="filter_alt_off",
                                  on_click=lambda: apply(InvoiceQuery())).props("outline no-caps")
                return
            if export_form is not None:
                export_bar(page.total)
            row_handles.clear()
            row_handles.update(invoice_table(page.rows, table_format, sort=query.sort, descending=query.descending,
                          on_sort=sort_by, link=lambda invoice_id: f"/invoices/{invoice_id}",
                          selected=selected if export_form else None, on_select=toggle if export_form else None))
            pagination(page=page.page, page_count=page.page_count, total=page.total, page_size=page.page_size,
                       page_sizes=PAGE_SIZES,
                       on_page=lambda number: apply(query.with_changes(page=number)),
                       on_page_size=lambda size: apply(query.with_changes(page_size=size)))

        with ui.column().classes("w-full gap-3 mt-2"):
            filters()
            arrivals_banner()
            results()
    return None
