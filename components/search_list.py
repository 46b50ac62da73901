"""The staff console's list screens share one skeleton: a toolbar (a search box, and whatever the
screen adds: a "New" button, a link), the list itself, which renders again on each search and on
`refresh()`, and a host for dialogs outside the list, so that refreshing it never closes a dialog."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

MAX_SEARCH = 200


class SearchList:
    """`render(search)` draws the list for the current search text."""

    def __init__(self, render: Callable[[str], None], *, search_label: str | None = None, search: str = "") -> None:
        self.search = search[:MAX_SEARCH]
        self._render = render
        with ui.row().classes("w-full items-center gap-3") as self.toolbar:
            if search_label is not None:
                ui.input(search_label, value=self.search, on_change=lambda e: self._searched(e.value)).props(
                    "outlined dense clearable debounce=300 type=search").classes("w-80 max-w-full")
        self.listing()
        self.dialog_host = ui.element("div")

    @ui.refreshable_method
    def listing(self) -> None:
        self._render(self.search)

    def refresh(self) -> None:
        self.listing.refresh()

    def _searched(self, value: str | None) -> None:
        self.search = (value or "")[:MAX_SEARCH]
        self.refresh()
