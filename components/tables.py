"""Small pieces the staff console repeats: word chips in a colour, and a horizontally scrolling box
so wide tables stay usable on a phone."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from nicegui import ui

from components.attributes import attrs

# Text and background pairs with at least 4.5:1 contrast; the word carries the meaning, not the colour.
TONES = {
    "good": "bg-green-100 text-green-900", "bad": "bg-red-100 text-red-900", "warn": "bg-amber-100 text-amber-900",
    "neutral": "bg-gray-100 text-gray-800", "info": "bg-blue-100 text-blue-900",
}
_CHIP = "inline-block rounded-full px-2.5 py-0.5 text-xs font-semibold whitespace-nowrap"


def chip(text: str, tone: str = "neutral") -> ui.label:
    return ui.label(text).classes(f"{_CHIP} {TONES[tone]}")


def scroll_box(label: str) -> ui.element:
    """A full-width container that scrolls sideways instead of squeezing a wide table; a named
    region in the Tab order, so that keyboard users can scroll it too."""
    # relative: screen-reader-only headings (position: absolute) stay inside the scrolling box
    return attrs(ui.element("div").classes("relative w-full overflow-x-auto bg-white rounded-lg border border-gray-200").props(
        'tabindex="0" role="region"'), {"aria-label": label})


@contextmanager
def data_table(caption: str, headers: Sequence[str]) -> Iterator[ui.element]:
    """A real <table> (screen readers get its rows and column headers) inside a sideways-scrolling
    box; yields the <tbody> to add rows to with `table_row` and `cell`."""
    with scroll_box(caption), ui.element("table").classes("portal-table"):
        with ui.element("caption").classes("sr-only"):
            ui.label(caption)
        with ui.element("thead"), ui.element("tr"):
            for header in headers:
                with ui.element("th").props('scope="col"'):
                    # a column of buttons has no visible heading; screen readers still get one
                    ui.label(header or "Actions").classes("" if header else "sr-only")
        with ui.element("tbody") as body:
            yield body


def table_row() -> ui.element:
    return ui.element("tr")


def cell(text: str | None = None) -> ui.element:
    """A <td>; with `text` it holds that text, otherwise enter it to add elements."""
    element = ui.element("td")
    if text is not None:
        with element:
            ui.label(text)
    return element
