"""Two native date inputs, From and To, for a custom period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from nicegui import ui

DATE_PROPS = "type=date outlined stack-label"


def _as_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def date_range_inputs(date_from: date | None, date_to: date | None, *,
                      on_change: Callable[..., Awaitable[None] | None],
                      dense: bool = True) -> None:
    """Calls `on_change(date_from=…)` or `on_change(date_to=…)` when either date changes (what it
    returns goes back to NiceGUI, which awaits an awaitable)."""
    ui.input("From", value=date_from.isoformat() if date_from else "",
             on_change=lambda e: on_change(date_from=_as_date(e.value))).props(DATE_PROPS).props(
        "dense" if dense else "").classes("w-44")
    ui.input("To", value=date_to.isoformat() if date_to else "",
             on_change=lambda e: on_change(date_to=_as_date(e.value))).props(DATE_PROPS).props(
        "dense" if dense else "").classes("w-44")
