"""The dashboard's summary cards: open balance, overdue, paid this year (per currency)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def _amounts(by_currency: dict[str, int], money: Callable[[int, str], str]) -> str:
    if not by_currency:
        return "—"
    return " · ".join(money(amount, currency) for currency, amount in sorted(by_currency.items()))


def summary_cards(*, open_by_currency: dict[str, int], open_count: int, overdue_by_currency: dict[str, int],
                  overdue_count: int, paid_this_year_by_currency: dict[str, int], year: int,
                  money: Callable[[int, str], str]) -> None:
    cards = [
        ("Open balance", _amounts(open_by_currency, money), f"{open_count} unpaid invoice{'s' * (open_count != 1)}",
         "account_balance_wallet", "text-blue-800"),
        ("Overdue", _amounts(overdue_by_currency, money),
         f"{overdue_count} invoice{'s' * (overdue_count != 1)} past due" if overdue_count else "Nothing overdue",
         "warning", "text-red-800" if overdue_count else "text-green-800"),
        (f"Paid in {year}", _amounts(paid_this_year_by_currency, money), "payments received this year",
         "task_alt", "text-green-800"),
    ]
    with ui.element("section").classes("grid grid-cols-1 md:grid-cols-3 gap-4 w-full").props(
            'aria-label="Account summary"'):
        for title, amount, detail, icon, color in cards:
            with ui.card().classes("p-4 gap-1").props('data-testid="summary-card"'):
                with ui.row().classes("items-center gap-2"):
                    ui.icon(icon).classes(f"text-xl {color}")
                    ui.label(title).classes("text-sm font-medium portal-muted")
                ui.label(amount).classes("text-2xl font-semibold break-words")
                ui.label(detail).classes("text-sm portal-muted")
