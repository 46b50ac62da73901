"""Filters above the invoice list: period, dates, vendors, number, status. Every change calls
back with the new query; the page puts it in the URL and refreshes the list.

The controls are built once and then only updated (count, Reset, the custom dates): rebuilding
them under the user's fingers would take the focus out of the field they are typing in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from nicegui import ui

from components.attributes import attrs
from components.date_range import date_range_inputs
from data.types import InvoiceStatus
from services.invoices.list_query import CUSTOMER_STATUSES, PERIOD_LABELS, InvoiceQuery, Period
from services.invoices.queries import VendorOption
from services.invoices.status import STATUS_LABELS

ALL_DATES = "all"
# The search waits this long after the last key: a typed number reaches the list (and the
# address bar) about a quarter of a second after the user stops typing.
SEARCH_DEBOUNCE_MS = 250


def active_filter_count(query: InvoiceQuery) -> int:
    """How many of the panel's filters limit the list (the number field is outside the panel)."""
    return sum(bool(x) for x in (query.dates_filtered, query.vendor_codes, query.statuses))


class InvoiceFilters:
    """The filter bar and its panel for one open list."""

    def __init__(self, query: InvoiceQuery, vendors: Sequence[VendorOption], *,
                 on_change: Callable[[InvoiceQuery], Awaitable[None] | None],
                 on_reset: Callable[[], Awaitable[None] | None]) -> None:
        self.query = query
        self._on_change = on_change
        active = active_filter_count(query)
        with ui.row().classes("w-full items-start gap-3 no-wrap"):
            ui.input("Invoice number", value=query.number,
                     on_change=lambda e: self._change(number=(e.value or "").strip())).props(
                f'outlined dense clearable debounce={SEARCH_DEBOUNCE_MS} maxlength=64 inputmode=search '
                'hint="Exact number or its first characters"').classes("grow max-w-md")
            self.toggle = attrs(ui.button("Filters", icon="filter_list", on_click=self._toggle_panel).props(
                'outline no-caps aria-controls="invoice-filters"'), {"aria-expanded": "true" if active else "false"})
            self.reset = ui.button("Reset", icon="filter_alt_off", on_click=on_reset).props(
                "flat no-caps").classes("max-sm:hidden")
        self._vendors, self._on_reset = vendors, on_reset
        self.phone_reset: ui.button | None = None
        # The panel's fields are built when it first opens (or at once, when filters are set): most
        # visits never open it, and its three selects were a good part of a phone's page load.
        self.panel = ui.element("div").classes("w-full rounded-lg bg-white border border-gray-200 p-3").props(
            'id="invoice-filters"')
        if active:
            self._fill_panel()
        self.panel.set_visibility(bool(active))
        self.show(query)

    def _fill_panel(self) -> None:
        query, vendors = self.query, self._vendors
        with self.panel:
            with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-3 gap-3 w-full items-start"):
                period_options = {ALL_DATES: "All dates"} | {p.value: label for p, label in PERIOD_LABELS.items()}
                ui.select(period_options, label="Issue date", value=query.period.value if query.period else ALL_DATES,
                          on_change=lambda e: self._set_period(e.value)).props("outlined dense").classes("w-full")
                ui.select({vendor.code: vendor.name for vendor in vendors}, label="Vendor", multiple=True,
                          value=[code for code in query.vendor_codes if any(code == o.code for o in vendors)],
                          on_change=lambda e: self._change(vendor_codes=tuple(e.value or ()))).props(
                    "outlined dense use-chips clearable").classes("w-full")
                ui.select({status.value: STATUS_LABELS[status] for status in CUSTOMER_STATUSES}, label="Status",
                          multiple=True, value=[s.value for s in query.statuses],
                          on_change=lambda e: self._change(
                              statuses=tuple(InvoiceStatus(v) for v in (e.value or ())))).props(
                    "outlined dense use-chips clearable").classes("w-full")
            self.custom_dates()
            self.phone_reset = ui.button("Reset filters", icon="filter_alt_off", on_click=self._on_reset).props(
                "flat no-caps").classes("sm:hidden mt-2")
        self.phone_reset.set_visibility(query.is_filtered)

    def show(self, query: InvoiceQuery) -> None:
        """Bring the count, the Reset buttons and the custom dates in line with `query`."""
        custom_changed = (query.period == Period.CUSTOM) != (self.query.period == Period.CUSTOM)
        self.query = query
        active = active_filter_count(query)
        self.toggle.set_text(f"Filters ({active})" if active else "Filters")
        self.reset.set_visibility(query.is_filtered)
        if self.phone_reset is None:
            return  # the panel is not built yet: it is built from the query as it is then
        self.phone_reset.set_visibility(query.is_filtered)
        if custom_changed:
            self.custom_dates.refresh()

    @ui.refreshable_method
    def custom_dates(self) -> None:
        if self.query.period == Period.CUSTOM:
            with ui.row().classes("gap-3 mt-3 items-center"):
                date_range_inputs(self.query.date_from, self.query.date_to, on_change=self._change)

    def _change(self, **values: object) -> Awaitable[None] | None:
        # What the page returns (its list's refresh) goes back to NiceGUI, which awaits it.
        return self._on_change(self.query.with_changes(**values))

    def _set_period(self, value: str) -> Awaitable[None] | None:
        if value == ALL_DATES:
            return self._change(period=None, date_from=None, date_to=None)
        custom = value == Period.CUSTOM
        return self._change(period=Period(value), date_from=self.query.date_from if custom else None,
                            date_to=self.query.date_to if custom else None)

    def _toggle_panel(self) -> None:
        if self.phone_reset is None:
            self._fill_panel()
        self.panel.set_visibility(not self.panel.visible)
        attrs(self.toggle, {"aria-expanded": "true" if self.panel.visible else "false"})
