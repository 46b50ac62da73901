"""The customer's home: summary cards above the invoice list with filters, sorting and pages.

The query lives in the URL. Filter changes push a new URL and refresh only the list; going
back in the browser reloads the page at the earlier URL.
"""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui
from nicegui.events import GenericEventArguments

from components.attributes import attrs
from components.forms import ExportForm
from components.headings import page_heading
from components.invoice_filters import InvoiceFilters
from components.invoice_table import BOTH_LAYOUTS, ListLayout, RowHandles, TableFormat, invoice_table
from components.notice import notice
from components.pagination import pagination
from components.status_badge import set_status
from components.summary_cards import SummaryCards
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, customer_access
from services.config.runtime import Runtime
from services.invoices.list_query import PAGE_SIZES, InvoiceQuery, SortKey, parse_invoice_query, typed_edit
from services.invoices.queries import (
    AccountSummary,
    InvoicePage,
    InvoiceRow,
    account_summary,
    invoice_rows,
    list_invoices,
    matching_invoices,
    vendor_options,
)
from services.live_events import LiveEvent
from services.localization.today import today_for
from services.principal import Principal
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.layout import LiveUpdates, signed_in_frame_live
from web.list_layout import EVENT as LAYOUT_EVENT
from web.list_layout import REPORT_LAYOUT, guessed_layouts, reported_layout
from web.shared_reads import shared_read
from web.viewer_format import formatter_for


def show_totals(cards: SummaryCards, totals: AccountSummary) -> None:
    cards.update(open_by_currency=totals.open_by_currency, open_count=totals.open_count,
                 overdue_by_currency=totals.overdue_by_currency, overdue_count=totals.overdue_count,
                 paid_this_year_by_currency=totals.paid_this_year_by_currency)


ASCENDING_FIRST = (SortKey.NUMBER, SortKey.VENDOR)
RELOAD_ON_BACK = "<script>addEventListener('popstate', () => location.reload())</script>"


def dashboard_page(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal) -> RedirectResponse | None:
    if principal.is_staff:
        return RedirectResponse("/admin", status_code=303)  # staff use the staff console
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    with signed_in_frame_live(request, "Invoices") as (principal, _guard, live):
        Dashboard(runtime, principal, live, parse_invoice_query(params), guessed_layouts(request)).build()
    return None


class Dashboard:
    """One open dashboard: its query, selection and the handles of what live events change."""

    def __init__(self, runtime: Runtime, principal: Principal, live: LiveUpdates, query: InvoiceQuery,
                 layouts: frozenset[ListLayout] = BOTH_LAYOUTS) -> None:
        self.runtime, self.principal, self.live = runtime, principal, live
        self.query = query
        self.layouts = layouts  # what the list builds: the layout this browser shows, or both
        self.today = today_for(principal.timezone)
        self.fmt = formatter_for(principal)
        self.table_format = TableFormat(money=self.fmt.money, date=self.fmt.date)
        self.selected: set[int] = set()
        self.arrivals = 0
        self.typing: frozenset[str] = frozenset()  # the typed fields the last change edited
        self.row_handles: dict[int, RowHandles] = {}
        with runtime.unit_of_work() as db:
            self.vendors = vendor_options(db, principal, self.today)
            self.query = query.with_known_vendors({vendor.code for vendor in self.vendors})
            access = customer_access(db, principal, self.today)
            self.can_zip, self.can_csv = access.can(Capability.EXPORT), access.can(Capability.EXPORT_CSV)
            record_audit(db, runtime.secret_key, AuditAction.DASHBOARD_VIEW, AuditOutcome.SUCCESS, principal=principal)
        self.export_form = ExportForm() if self.can_zip or self.can_csv else None

    def build(self) -> None:
        ui.add_body_html(RELOAD_ON_BACK)
        page_heading("Invoices")
        self.cards = SummaryCards(year=self.today.year, money=self.fmt.money)
        show_totals(self.cards, self.load_totals())
        self.live.on_change(self.follow_ledger)
        ui.on(LAYOUT_EVENT, self.follow_width)
        ui.run_javascript(REPORT_LAYOUT)
        with ui.column().classes("w-full gap-3 mt-2"):
            self.filters()
            self.arrivals_banner()
            self.results()

    # --- reads ------------------------------------------------------------------------------------

    def load_totals(self) -> AccountSummary:
        with self.runtime.unit_of_work() as db:
            return account_summary(db, self.principal, self.today)

    def shared_totals(self, since: float) -> AccountSummary:
        # Every user of a customer on the same day and in the same zone sees the same totals (same
        # tier window): one read serves all those open dashboards after an event.
        key = (self.principal.customer_id, self.today, self.principal.timezone)
        totals: AccountSummary = shared_read("customer totals").get(key, since, self.load_totals)
        return totals

    def load_page(self, query: InvoiceQuery) -> InvoicePage:
        with self.runtime.unit_of_work() as db:
            return list_invoices(db, self.principal, query, self.today)

    def count_matching(self, ids: set[int]) -> int:
        with self.runtime.unit_of_work() as db:
            return matching_invoices(db, self.principal, self.query, ids, self.today)

    def load_rows(self, ids: set[int]) -> list[InvoiceRow]:
        with self.runtime.unit_of_work() as db:
            return invoice_rows(db, self.principal, ids, self.today)

    async def follow_ledger(self, events: list[LiveEvent]) -> None:
        """Change what is on screen in place (cards, badges, amounts due) from data read in a worker
        thread: many open pages following the ledger never rebuild or stall the loop."""
        totals = await run.io_bound(self.shared_totals, self.live.last_event_at)
        changed = {event.invoice_id for event in events if event.kind != "new_invoice"} & set(self.row_handles)
        rows = await run.io_bound(self.load_rows, changed) if changed else []
        if totals is not None:
            show_totals(self.cards, totals)
        for row in rows or []:
            handles = self.row_handles[row.id]
            for badge in handles.badges:
                set_status(badge, row.status)
            if handles.due is not None:
                handles.due.set_text(self.fmt.money(row.due_minor, row.currency) if row.due_minor else "—")
        arrived = {event.invoice_id for event in events if event.kind == "new_invoice"}
        # Announced only when the list as filtered would show them (the toast tells of the others);
        # the unfiltered list shows every new invoice, so most open dashboards need no query here.
        if arrived and (new := await run.io_bound(self.count_matching, arrived) if self.query.is_filtered
                        else len(arrived)):
            self.arrivals += new
            self.arrivals_banner.refresh()

    # --- what the user does -----------------------------------------------------------------------

    def show_arrivals(self) -> Awaitable[None]:
        self.arrivals = 0
        self.arrivals_banner.refresh()
        return self.show_list(self.query)

    def apply(self, query: InvoiceQuery) -> Awaitable[None]:
        """Put `query` in the address bar and the filter bar now; returns the list's refresh, which
        the event handler hands back to NiceGUI to await (every control returns it)."""
        if query.with_changes(page=1) != self.query.with_changes(page=1):
            self.selected.clear()  # a new filter starts a new selection
        typed = typed_edit(self.query, query)
        again = bool(typed) and typed == self.typing  # the same field typed on: one history entry for it
        self.query, self.typing = query, typed
        query_string = query.to_query_string()
        url = f"/?{query_string}" if query_string else "/"
        if again:
            ui.navigate.history.replace(url)
        else:
            ui.navigate.history.push(url)
        self.filter_bar.show(query)
        return self.show_list(query)

    async def show_list(self, query: InvoiceQuery) -> None:
        """Read the page of `query` in a worker thread, then show it, unless a newer change came
        meanwhile (that one shows its own). Read on the event loop, each change held the address bar
        and every other page of this process until the list was read and built; a few quick changes
        (a year typed into a date field) kept the loop busy for longer than the websocket's ping."""
        page = await run.io_bound(self.load_page, query)
        if page is None or query is not self.query:  # shutting down, or superseded
            return
        self.results.refresh(page)

    def reset_filters(self) -> Awaitable[None]:
        pending = self.apply(InvoiceQuery(sort=self.query.sort, descending=self.query.descending,
                                          page_size=self.query.page_size))
        self.filters.refresh()  # the controls show the emptied filters
        return pending

    def sort_by(self, key: SortKey, descending: bool | None = None) -> Awaitable[None]:
        """Sort by `key`; the same key again turns the direction. Names sort A→Z first, the rest
        newest or largest first."""
        if descending is None:
            descending = not self.query.descending if key == self.query.sort else key not in ASCENDING_FIRST
        return self.apply(self.query.with_changes(sort=key, descending=descending))

    def follow_width(self, event: GenericEventArguments) -> Awaitable[None] | None:
        """Build the list in the layout the browser says it shows, when that is not the one built."""
        shown = reported_layout(event)
        if shown is None or self.layouts in (frozenset({shown}), BOTH_LAYOUTS):
            return None
        self.layouts = frozenset({shown})
        return self.show_list(self.query)

    def toggle(self, invoice_id: int, on: bool) -> None:
        (self.selected.add if on else self.selected.discard)(invoice_id)
        self.export_bar.refresh()

    def clear_selection(self) -> Awaitable[None]:
        self.selected.clear()
        return self.show_list(self.query)

    # --- regions ----------------------------------------------------------------------------------

    @ui.refreshable_method
    def arrivals_banner(self) -> None:
        if not self.arrivals:
            return
        with ui.row().classes("w-full items-center gap-3 p-2 rounded bg-blue-50 text-blue-900").props('role="status"'):
            ui.icon("fiber_new")
            ui.label(f"{self.arrivals} new invoice{'s' * (self.arrivals != 1)} arrived.")
            ui.button("Show", on_click=self.show_arrivals).props("flat dense no-caps")

    @ui.refreshable_method
    def export_bar(self, total: int) -> None:
        export_form = self.export_form
        assert export_form is not None
        if self.selected:
            text = f"{len(self.selected)} selected"
            selection = "ids=" + ",".join(map(str, sorted(self.selected)))
        else:
            text = f"All {total:,} matching"
            selection = self.query.with_changes(page=1).to_query_string()
        with ui.row().classes("w-full items-center gap-2 justify-end"):
            ui.label(f"{text}:").classes("text-sm portal-muted")
            if self.can_zip:
                attrs(ui.button("ZIP", icon="folder_zip", on_click=lambda: export_form.submit(selection, "zip")).props(
                    "outline dense no-caps"), {"aria-label": f"Export {text} as ZIP"})
            if self.can_csv:
                attrs(ui.button("CSV", icon="table_view", on_click=lambda: export_form.submit(selection, "csv")).props(
                    "outline dense no-caps"), {"aria-label": f"Export {text} as CSV"})
            if self.selected:
                ui.button("Clear selection", on_click=self.clear_selection).props("flat dense no-caps")

    @ui.refreshable_method
    def filters(self) -> None:
        self.filter_bar = InvoiceFilters(self.query, self.vendors, on_change=self.apply, on_reset=self.reset_filters)

    @ui.refreshable_method
    def results(self, page: InvoicePage | None = None) -> None:
        query = self.query
        for problem in query.problems:
            notice(problem, "warning")
        page = page or self.load_page(query)
        if not page.rows:
            self.empty_state(query)
            return
        if self.export_form is not None:
            self.export_bar(page.total)
        self.row_handles.clear()
        self.row_handles.update(invoice_table(
            page.rows, self.table_format, sort=query.sort, descending=query.descending, on_sort=self.sort_by,
            link=lambda invoice_id: f"/invoices/{invoice_id}",
            selected=self.selected if self.export_form else None, on_select=self.toggle if self.export_form else None,
            layouts=self.layouts))
        pagination(page=page.page, page_count=page.page_count, total=page.total, page_size=page.page_size,
                   page_sizes=PAGE_SIZES,
                   on_page=lambda number: self.apply(query.with_changes(page=number)),
                   on_page_size=lambda size: self.apply(query.with_changes(page_size=size)))

    def empty_state(self, query: InvoiceQuery) -> None:
        with ui.column().classes("w-full items-center gap-2 py-12 bg-white rounded-lg border border-gray-200"):
            ui.icon("search_off").classes("text-5xl text-gray-400")
            ui.label("No invoices match" if query.is_filtered else "No invoices yet").classes("text-lg font-medium")
            if query.is_filtered:
                ui.label("Try another number, vendor, status or period.").classes("portal-muted")
                ui.button("Reset filters", icon="filter_alt_off", on_click=self.reset_filters).props("outline no-caps")
