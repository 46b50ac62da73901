"""Pager under a list: where we are, previous/next, and how many per page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from nicegui import ui


def pagination(*, page: int, page_count: int, total: int, page_size: int, page_sizes: Sequence[int],
               on_page: Callable[[int], Awaitable[None] | None],
               on_page_size: Callable[[int], Awaitable[None] | None]) -> None:
    first = (page - 1) * page_size + 1 if total else 0
    last = min(page * page_size, total)
    with ui.row().classes("w-full items-center justify-between gap-3 flex-wrap").props(
            'role="navigation" aria-label="Pages"'):
        ui.label(f"{first:,}–{last:,} of {total:,}").classes("text-sm portal-muted").props('aria-live="polite"')
        ui.select({size: f"{size} per page" for size in page_sizes}, value=page_size,
                  on_change=lambda e: on_page_size(int(e.value))).props(
            'dense outlined options-dense aria-label="Invoices per page"').classes("w-36 max-sm:order-last")
        # one unbreakable group: on a phone it may move to its own line, but never loses its arrow
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.button(icon="chevron_left", on_click=lambda: on_page(page - 1)).props(
                'flat round aria-label="Previous page"').set_enabled(page > 1)
            ui.label(f"Page {page} of {page_count}").classes("text-sm")
            ui.button(icon="chevron_right", on_click=lambda: on_page(page + 1)).props(
                'flat round aria-label="Next page"').set_enabled(page < page_count)
