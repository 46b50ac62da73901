"""Filters above the invoice list: period, dates, vendors, number, status. Every change calls
back with the new query; the page puts it in the URL and refreshes the list."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nicegui import ui

from components.attributes import attrs
from components.date_range import date_range_inputs
from data.types import InvoiceStatus
from services.invoices.list_query import CUSTOMER_STATUSES, PERIOD_LABELS, InvoiceQuery, Period
from services.invoices.queries import VendorOption
from services.invoices.status import STATUS_LABELS

ALL_DATES = "all"


def invoice_filters(query: InvoiceQuery, vendors: Sequence[VendorOption], *,
                    on_change: Callable[[InvoiceQuery], None]) -> None:
    def change(**values: object) -> None:
        on_change(query.with_changes(**values))

    def set_period(value: str) -> None:
        if value == ALL_DATES:
            change(period=None, date_from=None, date_to=None)
        else:
            change(period=Period(value), date_from=query.date_from if value == Period.CUSTOM else None,
                   date_to=query.date_to if value == Period.CUSTOM else None)

    active = sum(bool(x) for x in (query.period, query.vendor_ids, query.statuses))
    with ui.row().classes("w-full items-start gap-3 no-wrap"):
        ui.input("Invoice number", value=query.number,
                 on_change=lambda e: change(number=(e.value or "").strip())).props(
            'outlined dense clearable debounce=400 maxlength=64 inputmode=search '
            'hint="Exact number or its first characters"').classes("grow max-w-md")
        toggle = attrs(ui.button(f"Filters{f' ({active})' if active else ''}", icon="filter_list").props(
            'outline no-caps aria-controls="invoice-filters"'), {"aria-expanded": "true" if active else "false"})
        if query.is_filtered:
            ui.button("Reset", icon="filter_alt_off",
                      on_click=lambda: on_change(InvoiceQuery(sort=query.sort, descending=query.descending,
                                                              page_size=query.page_size))).props(
                "flat no-caps").classes("max-sm:hidden")
    with ui.element("div").classes("w-full rounded-lg bg-white border border-gray-200 p-3").props(
            'id="invoice-filters"') as panel:
        with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-3 gap-3 w-full items-start"):
            period_options = {ALL_DATES: "All dates"} | {p.value: label for p, label in PERIOD_LABELS.items()}
            ui.select(period_options, label="Issue date", value=query.period.value if query.period else ALL_DATES,
                      on_change=lambda e: set_period(e.value)).props("outlined dense").classes("w-full")
            ui.select({vendor.id: vendor.name for vendor in vendors}, label="Vendor", multiple=True,
                      value=[v for v in query.vendor_ids if any(v == o.id for o in vendors)],
                      on_change=lambda e: change(vendor_ids=tuple(e.value or ()))).props(
                "outlined dense use-chips clearable").classes("w-full")
            ui.select({status.value: STATUS_LABELS[status] for status in CUSTOMER_STATUSES}, label="Status",
                      multiple=True, value=[s.value for s in query.statuses],
                      on_change=lambda e: change(statuses=tuple(InvoiceStatus(v) for v in (e.value or ())))).props(
                "outlined dense use-chips clearable").classes("w-full")
        if query.period == Period.CUSTOM:
            with ui.row().classes("gap-3 mt-3 items-center"):
                date_range_inputs(query.date_from, query.date_to, on_change=change)
        if query.is_filtered:
            ui.button("Reset filters", icon="filter_alt_off",
                      on_click=lambda: on_change(InvoiceQuery(sort=query.sort, descending=query.descending,
                                                              page_size=query.page_size))).props(
                "flat no-caps").classes("sm:hidden mt-2")
    panel.set_visibility(bool(active))

    def toggle_panel() -> None:
        panel.set_visibility(not panel.visible)
        attrs(toggle, {"aria-expanded": "true" if panel.visible else "false"})

    toggle.on_click(toggle_panel)
