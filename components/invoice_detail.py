"""One invoice in full: parties, line items, totals, payments and its timeline."""

from __future__ import annotations

from nicegui import ui

from components.headings import page_heading, section_heading
from components.status_badge import status_badge
from data.types import PaymentStatus
from services.invoices.queries import InvoiceDetail, PartyView
from services.localization.formatting import Formatter


def invoice_header(detail: InvoiceDetail, fmt: Formatter) -> None:
    with ui.row().classes("w-full items-start justify-between gap-4 flex-wrap"):
        with ui.column().classes("gap-1"):
            with ui.row().classes("items-center gap-3"):
                page_heading(f"Invoice {detail.number}").classes("wrap-anywhere")
                status_badge(detail.status)
            ui.label(f"Issued {fmt.date(detail.issue_date)} · due {fmt.date(detail.due_date)}"
                     + (f" · {detail.terms}" if detail.terms else "")).classes("portal-muted")
        with ui.column().classes("gap-0 items-end max-sm:items-start"):
            ui.label("Still due" if detail.due_minor else "Total").classes("text-sm portal-muted")
            ui.label(fmt.money(detail.due_minor or detail.total_minor, detail.currency)).classes(
                "text-2xl font-semibold tabular-nums").props('data-testid="amount-due"')


def parties(detail: InvoiceDetail) -> None:
    with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-4 w-full"):
        _party("From", detail.vendor)
        _party("Billed to", detail.customer)


def _party(title: str, party: PartyView) -> None:
    with ui.card().classes("p-4 gap-1"):
        ui.label(title).classes("text-xs uppercase tracking-wide portal-muted")
        ui.label(party.name).classes("font-semibold")
        for line in party.address.splitlines():
            ui.label(line).classes("text-sm")
        if party.tax_id:
            ui.label(f"Tax ID {party.tax_id}").classes("text-sm portal-muted")


def line_items(detail: InvoiceDetail, fmt: Formatter) -> None:
    with ui.card().classes("w-full p-0 gap-0"):
        section_heading("Line items").classes("px-4 pt-4 pb-2")
        with ui.element("div").classes("w-full overflow-x-auto max-md:hidden"):
            with ui.element("table").classes("w-full text-sm"):
                with ui.element("thead").classes("bg-gray-50 text-gray-700"):
                    with ui.element("tr"):
                        for label, right in [("Description", False), ("Quantity", True), ("Unit price", True),
                                             ("Tax", True), ("Amount", True)]:
                            with ui.element("th").classes("px-4 py-2 font-semibold").classes(
                                    "text-right" if right else "text-left").props("scope=col"):
                                ui.label(label)
                with ui.element("tbody"):
                    for line in detail.lines:
                        with ui.element("tr").classes("border-t border-gray-100"):
                            _td(line.description, amount=False)
                            _td(f"{fmt.quantity(line.quantity)} {line.unit}".strip())
                            _td(fmt.money(line.unit_price_minor, detail.currency))
                            _td(fmt.percent(line.tax_rate))
                            _td(fmt.money(line.net_minor, detail.currency))
        with ui.column().classes("w-full gap-0 md:hidden"):
            for line in detail.lines:
                with ui.column().classes("w-full gap-0 px-4 py-2 border-t border-gray-100"):
                    ui.label(line.description).classes("font-medium break-words")
                    with ui.row().classes("w-full justify-between no-wrap"):
                        ui.label(f"{fmt.quantity(line.quantity)} {line.unit} × "
                                 f"{fmt.money(line.unit_price_minor, detail.currency)} · tax "
                                 f"{fmt.percent(line.tax_rate)}").classes("text-xs portal-muted")
                        ui.label(fmt.money(line.net_minor, detail.currency)).classes("tabular-nums")
        totals(detail, fmt)


def _td(text: str, *, amount: bool = True) -> None:
    with ui.element("td").classes("px-4 py-2").classes("text-right tabular-nums" if amount else "text-left break-words"):
        ui.label(text)


def totals(detail: InvoiceDetail, fmt: Formatter) -> None:
    rows = [("Subtotal", detail.subtotal_minor)]
    rows += [(f"Tax {fmt.percent(tax.rate)} on {fmt.money(tax.net_minor, detail.currency)}", tax.tax_minor)
             for tax in detail.tax_lines]
    rows += [("Total", detail.total_minor), ("Paid", -detail.paid_minor), ("Still due", detail.due_minor)]
    with ui.element("dl").classes("w-full sm:w-96 self-end ml-auto px-4 py-3 border-t border-gray-200"):
        for label, amount in rows:
            strong = label in ("Total", "Still due")
            with ui.element("div").classes(f"w-full flex justify-between gap-4 py-0.5 {'font-semibold' if strong else ''}"):
                with ui.element("dt").classes("text-sm"):
                    ui.label(label)
                with ui.element("dd").classes("tabular-nums"):
                    ui.label(fmt.money(amount, detail.currency))


def payments(detail: InvoiceDetail, fmt: Formatter) -> None:
    with ui.card().classes("w-full p-4 gap-2"):
        section_heading("Payments")
        if not detail.payments:
            ui.label("No payments recorded yet.").classes("portal-muted")
        for payment in detail.payments:
            failed = payment.status in (PaymentStatus.FAILED, PaymentStatus.REFUNDED)
            with ui.row().classes("w-full items-center justify-between gap-2 border-t border-gray-100 pt-2"):
                with ui.column().classes("gap-0"):
                    ui.label(f"{fmt.datetime(payment.received_at)} · {payment.method}").classes("text-sm")
                    ui.label(f"{payment.status.value.title()}" + (f" · ref. {payment.reference}" if payment.reference
                                                                    else "")).classes(
                        f"text-xs {'text-red-800' if failed else 'portal-muted'}")
                ui.label(fmt.money(payment.amount_minor, detail.currency)).classes(
                    f"tabular-nums {'line-through text-gray-600' if failed else 'font-medium'}")


def timeline(detail: InvoiceDetail, fmt: Formatter) -> None:
    with ui.card().classes("w-full p-4 gap-2"):
        section_heading("Timeline")
        with ui.element("ol").classes("flex flex-col gap-2"):
            for entry in detail.timeline:
                with ui.element("li").classes("flex items-center gap-3"):
                    ui.icon("check_circle" if entry.done else "radio_button_unchecked").classes(
                        f"text-lg {'text-green-800' if entry.done else 'text-gray-500'}")
                    ui.label(f"{entry.label} · {fmt.date(entry.at)}").classes("text-sm")
