"""The dashboard's summary cards: open balance, overdue, paid this year (per currency)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def _amounts(by_currency: dict[str, int], money: Callable[[int, str], str]) -> str:
    if not by_currency:
        return "—"
    return " · ".join(money(amount, currency) for currency, amount in sorted(by_currency.items()))


_ICON_TONES = {"open": "text-blue-800", "bad": "text-red-800", "good": "text-green-800"}


class SummaryCards:
    """The three cards; `update` changes their text in place (cheap for live updates)."""

    def __init__(self, *, year: int, money: Callable[[int, str], str]) -> None:
        self.money = money
        self.labels: list[tuple[ui.label, ui.label, ui.icon]] = []
        titles = [("Open balance", "account_balance_wallet"), ("Overdue", "warning"), (f"Paid in {year}", "task_alt")]
        # Below md each card is one compact line pair (title and detail left, amount right), so that
        # the three fit in a third of a phone's first screen and the invoices start above the fold.
        with ui.element("section").classes("grid grid-cols-1 md:grid-cols-3 gap-4 max-md:gap-2 w-full").props(
                'aria-label="Account summary"'):
            for title, icon_name in titles:
                with ui.card().classes("p-4 max-md:px-4 max-md:py-2").props('data-testid="summary-card"'), \
                        ui.element("div").classes("grid grid-cols-1 max-md:grid-cols-2 max-md:items-center "
                                                   "gap-x-3 gap-y-1 w-full"):
                    with ui.row().classes("items-center gap-2 no-wrap"):
                        icon = ui.icon(icon_name).classes("text-xl")
                        ui.label(title).classes("text-sm font-medium portal-muted")
                    amount = ui.label().classes("text-2xl max-md:text-lg font-semibold break-words max-md:text-right "
                                                "max-md:col-start-2 max-md:row-start-1 max-md:row-span-2")
                    detail = ui.label().classes("text-sm max-md:text-xs portal-muted").props('aria-live="polite"')
                self.labels.append((amount, detail, icon))

    def update(self, *, open_by_currency: dict[str, int], open_count: int, overdue_by_currency: dict[str, int],
               overdue_count: int, paid_this_year_by_currency: dict[str, int]) -> None:
        values = [
            (_amounts(open_by_currency, self.money), f"{open_count} unpaid invoice{'s' * (open_count != 1)}",
             "open"),
            (_amounts(overdue_by_currency, self.money),
             f"{overdue_count} invoice{'s' * (overdue_count != 1)} past due" if overdue_count else "Nothing overdue",
             "bad" if overdue_count else "good"),
            (_amounts(paid_this_year_by_currency, self.money), "received this year", "good"),
        ]
        for (amount, detail, icon), (amount_text, detail_text, tone) in zip(self.labels, values):
            amount.set_text(amount_text)
            detail.set_text(detail_text)
            icon.classes(replace="text-xl").classes(_ICON_TONES[tone])
