"""The invoice list: a sortable table on wide screens, a stack of cards on phones.

Usable anywhere invoices are listed (dashboard, export page, admin): it takes rows and
callbacks and never fetches anything itself. It builds the layouts it is asked for: one, when
the page knows which the browser shows (a phone builds no table it hides, a desktop no cards:
half the elements), or both, left to CSS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from components.attributes import attrs
from components.status_badge import status_badge
from services.invoices.list_query import SortKey
from services.invoices.queries import InvoiceRow

# Heading, sort key, and whether the column is right-aligned (amounts).
COLUMNS: list[tuple[str, SortKey | None, bool]] = [
    ("Number", SortKey.NUMBER, False), ("Vendor", SortKey.VENDOR, False),
    ("Issued", SortKey.ISSUE_DATE, False), ("Due", SortKey.DUE_DATE, False),
    ("Amount", SortKey.AMOUNT, True), ("Still due", SortKey.STILL_DUE, True), ("Status", SortKey.STATUS, False),
]
SORT_LABELS = {key: label for label, key, _right in COLUMNS if key is not None}



class ListLayout(StrEnum):
    TABLE = "table"
    CARDS = "cards"


BOTH_LAYOUTS = frozenset(ListLayout)


@dataclass(frozen=True)
class TableFormat:
    money: Callable[[int, str], str]
    date: Callable[[date], str]


@dataclass
class RowHandles:
    """The parts of one row a live update changes in place (table and card layout)."""

    badges: list[ui.label]
    due: TextElement | None = None


def invoice_table(rows: Sequence[InvoiceRow], fmt: TableFormat, *, sort: SortKey, descending: bool,
                  on_sort: Callable[[SortKey], Awaitable[None] | None], link: Callable[[int], str],
                  selected: set[int] | None = None, on_select: Callable[[int, bool], None] | None = None,
                  layouts: frozenset[ListLayout] = BOTH_LAYOUTS) -> dict[int, RowHandles]:
    """The `layouts` asked for (with both, CSS shows one). Numbers are links, so every row opens by
    keyboard too.

    With `selected` and `on_select`, each row gets a checkbox (for exporting chosen invoices).
    Returns each row's status badges and due amount, for live updates.
    """
    handles: dict[int, RowHandles] = {row.id: RowHandles(badges=[]) for row in rows}
    both = layouts == BOTH_LAYOUTS
    if ListLayout.TABLE in layouts:
        _table(rows, fmt, sort, descending, on_sort, link, selected, on_select, handles, both)
    if ListLayout.CARDS in layouts:
        _phone_sort(sort, descending, on_sort, both)
        _cards(rows, fmt, link, handles, both)
    return handles


def _table(rows: Sequence[InvoiceRow], fmt: TableFormat, sort: SortKey, descending: bool,
           on_sort: Callable[[SortKey], Awaitable[None] | None], link: Callable[[int], str], selected: set[int] | None,
           on_select: Callable[[int, bool], None] | None, handles: dict[int, RowHandles], both: bool) -> None:
    selectable = selected is not None and on_select is not None
    with ui.element("div").classes("relative w-full overflow-x-auto rounded-lg border border-gray-200 bg-white").classes(
            "max-md:hidden" if both else ""):
        with ui.element("table").classes("w-full min-w-[44rem] text-sm").props('aria-label="Invoices"'):
            with ui.element("thead").classes("bg-gray-50 text-gray-700"):
                with ui.element("tr"):
                    if selectable:
                        with ui.element("th").classes("w-10 px-2").props("scope=col"):
                            ui.label("Select").classes("sr-only")
                    for label, key, right in COLUMNS:
                        _header_cell(label, key, right, sort, descending, on_sort)
            with ui.element("tbody"):
                for row in rows:
                    with attrs(ui.element("tr").classes("border-t border-gray-100 hover:bg-blue-50"),
                               {"data-invoice-id": row.id}):
                        if selectable:
                            with ui.element("td").classes("px-2"):
                                _checkbox(row, selected, on_select)  # type: ignore[arg-type]
                        with ui.element("td").classes("px-3 py-2 font-medium"):
                            attrs(TextElement(tag="a", text=row.number).classes("nicegui-link text-blue-800"),
                                  {"href": link(row.id)})
                        _cell(row.vendor_name)
                        _cell(fmt.date(row.issue_date))
                        _cell(fmt.date(row.due_date))
                        _cell(fmt.money(row.total_minor, row.currency), amount=True)
                        handles[row.id].due = _cell(fmt.money(row.due_minor, row.currency) if row.due_minor
                                                    else "—", amount=True)
                        with ui.element("td").classes("px-3 py-2"):
                            handles[row.id].badges.append(status_badge(row.status))


def _cards(rows: Sequence[InvoiceRow], fmt: TableFormat, link: Callable[[int], str], handles: dict[int, RowHandles],
           both: bool) -> None:
    with ui.column().classes("w-full gap-2").classes("md:hidden" if both else "").props(
            'role="list" aria-label="Invoices"'):
        for row in rows:
            # One grid per card (number and status, vendor, dates and amount): the fewest elements,
            # since a phone builds every card of the page before it shows the first.
            with ui.element("div").classes("w-full").props('role="listitem"'), attrs(ui.element("a").classes(
                    "w-full grid grid-cols-[1fr_auto] items-center gap-x-3 no-underline text-inherit rounded-lg "
                    "border border-gray-200 bg-white p-3"), {"href": link(row.id), "data-invoice-id": row.id}):
                ui.label(row.number).classes("font-semibold text-blue-800")
                handles[row.id].badges.append(status_badge(row.status).classes("justify-self-end"))
                ui.label(row.vendor_name).classes("col-span-2 text-sm portal-muted")
                ui.label(f"Issued {fmt.date(row.issue_date)} · due {fmt.date(row.due_date)}").classes(
                    "self-end text-xs portal-muted")
                ui.label(fmt.money(row.total_minor, row.currency)).classes("self-end font-semibold tabular-nums text-gray-900")


def _phone_sort(sort: SortKey, descending: bool, on_sort: Callable[[SortKey], Awaitable[None] | None],
                both: bool) -> None:
    """The table's sort headers, for phones: a choice of column and a button that turns the direction."""
    with ui.row().classes("w-full items-center justify-end gap-1 no-wrap").classes("md:hidden" if both else ""):
        ui.select({key.value: label for key, label in SORT_LABELS.items()}, label="Sort by", value=sort.value,
                  on_change=lambda e: on_sort(SortKey(e.value)) if e.value != sort.value else None).props(
            "outlined dense options-dense").classes("w-40")
        ui.button(icon="arrow_downward" if descending else "arrow_upward", on_click=lambda: on_sort(sort)).props(
            'flat round aria-label="Descending, tap for ascending"' if descending else
            'flat round aria-label="Ascending, tap for descending"')


def _checkbox(row: InvoiceRow, selected: set[int], on_select: Callable[[int, bool], None]) -> None:
    attrs(ui.checkbox(value=row.id in selected, on_change=lambda e: on_select(row.id, bool(e.value))).props("dense"),
          {"aria-label": f"Select invoice {row.number}"})


def _cell(text: str, *, amount: bool = False) -> TextElement:
    """A cell that holds its text itself: no element inside (a page of rows builds half as many)."""
    return TextElement(tag="td", text=text).classes("px-3 py-2").classes("text-right tabular-nums" if amount else "")


def _header_cell(label: str, key: SortKey | None, right: bool, sort: SortKey, descending: bool,
                 on_sort: Callable[[SortKey], Awaitable[None] | None]) -> None:
    active = key is not None and key == sort
    aria_sort = ("descending" if descending else "ascending") if active else "none"
    with attrs(ui.element("th").classes("px-3 py-2 font-semibold").classes("text-right" if right else "text-left"),
               {"scope": "col", "aria-sort": aria_sort}):
        if key is None:
            ui.label(label)
            return
        icon = ("arrow_downward" if descending else "arrow_upward") if active else "unfold_more"
        attrs(ui.button(label, on_click=lambda: on_sort(key)).props("flat dense no-caps"),
              {"icon-right": icon, "aria-label": f"Sort by {label.lower()}"}).classes(
            "font-semibold text-gray-800 -mx-2")
