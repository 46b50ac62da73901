"""An invoice status as a coloured badge with a word (colour is never the only signal)."""

from nicegui import ui

from components.attributes import attrs
from data.types import InvoiceStatus
from services.invoices.status import STATUS_LABELS

# Text and background pairs with at least 4.5:1 contrast.
_STYLES = {
    InvoiceStatus.DRAFT: "bg-gray-100 text-gray-800", InvoiceStatus.ISSUED: "bg-blue-100 text-blue-900",
    InvoiceStatus.PARTIALLY_PAID: "bg-amber-100 text-amber-900", InvoiceStatus.PAID: "bg-green-100 text-green-900",
    InvoiceStatus.OVERDUE: "bg-red-100 text-red-900", InvoiceStatus.VOID: "bg-gray-200 text-gray-800",
    InvoiceStatus.REFUNDED: "bg-purple-100 text-purple-900",
}


_BASE = "inline-block rounded-full px-2.5 py-0.5 text-xs font-semibold whitespace-nowrap"


def status_badge(status: InvoiceStatus) -> ui.label:
    return attrs(ui.label(STATUS_LABELS[status]).classes(_BASE).classes(_STYLES[status]), {"data-status": status.value})


def set_status(badge: ui.label, status: InvoiceStatus) -> None:
    """Show another status on an existing badge (live updates change it in place)."""
    badge.set_text(STATUS_LABELS[status])
    badge.classes(replace=_BASE).classes(_STYLES[status])
    attrs(badge, {"data-status": status.value})
