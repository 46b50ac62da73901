"""Who may do what: roles give capabilities, the customer's tier bounds them. Every service asks
here, so pages, download routes and the API all get the same answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import Customer, Invoice, InvoiceStatus, Tier
from data.types import OPEN_STATUSES, Role
from services.errors import Forbidden, NotFound
from services.principal import Principal


class Capability(str, Enum):
    VIEW_INVOICES = "view_invoices"
    DOWNLOAD_PDF = "download_pdf"
    EXPORT = "export"  # ZIP archives of PDFs
    EXPORT_CSV = "export_csv"
    ASK_SUPPORT = "ask_support"
    MANAGE_TEAM = "manage_team"


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.OWNER: frozenset(Capability),
    Role.ACCOUNTANT: frozenset({Capability.VIEW_INVOICES, Capability.DOWNLOAD_PDF, Capability.EXPORT,
                                Capability.EXPORT_CSV, Capability.ASK_SUPPORT}),
    Role.VIEWER: frozenset({Capability.VIEW_INVOICES, Capability.DOWNLOAD_PDF, Capability.ASK_SUPPORT}),
    Role.ADMIN: frozenset(),
    Role.SUPPORT: frozenset(),
}
ROLE_DESCRIPTIONS = {
    Role.OWNER: "sees and exports every invoice, manages the team",
    Role.ACCOUNTANT: "sees and exports every invoice, asks billing questions",
    Role.VIEWER: "sees invoices, downloads their PDFs, asks billing questions",
}


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("This needs a staff account.")


def require_admin(principal: Principal) -> None:
    if principal.role != Role.ADMIN:
        raise Forbidden("This needs an administrator.")


@dataclass(frozen=True)
class CustomerAccess:
    """A customer user's reach, as of today: their company, its tier, the visible history."""

    principal: Principal
    customer: Customer
    tier: Tier
    window_start: date | None

    def can(self, capability: Capability) -> bool:
        if capability not in ROLE_CAPABILITIES[self.principal.role]:
            return False
        if capability == Capability.DOWNLOAD_PDF:
            return self.tier.can_download_pdf
        if capability == Capability.EXPORT:
            return self.tier.max_export_invoices > 0
        if capability == Capability.EXPORT_CSV:
            return self.tier.can_export_csv
        return True

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise Forbidden("Your role or your plan does not include this.")

    def invoice_conditions(self) -> list[sa.ColumnElement[bool]]:
        """SQL conditions for the invoices this user may see: their customer's, never drafts,
        within the tier's history window (unpaid invoices always stay visible)."""
        conditions: list[sa.ColumnElement[bool]] = [
            col(Invoice.customer_id) == self.customer.id,
            col(Invoice.status) != InvoiceStatus.DRAFT,
        ]
        if self.window_start is not None:
            conditions.append(sa.or_(col(Invoice.issue_date) >= self.window_start,
                                     col(Invoice.status).in_(list(OPEN_STATUSES))))
        return conditions


def history_window_start(today: date, months: int | None) -> date | None:
    """The first issue date inside a window of `months` months before `today` (None: no limit)."""
    if months is None:
        return None
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(today.day, 28)  # stay valid in every month; the window is generous by at most 3 days
    return date(year, month + 1, day)


def customer_access(db: Session, principal: Principal, today: date) -> CustomerAccess:
    """The acting user's customer access; staff and users of disabled customers get Forbidden."""
    if principal.customer_id is None:
        raise Forbidden("Staff accounts see invoices through the staff console.")
    row = db.exec(
        select(Customer, Tier).join(Tier, col(Tier.id) == col(Customer.tier_id)).where(col(Customer.id) == principal.customer_id)
    ).first()
    if row is None:
        raise NotFound("customer not found")
    customer, tier = row
    if not customer.is_active:
        raise Forbidden("This customer account is disabled.")
    if Capability.VIEW_INVOICES not in ROLE_CAPABILITIES[principal.role]:
        raise Forbidden("Your role cannot see invoices.")
    return CustomerAccess(principal, customer, tier, history_window_start(today, tier.history_months))
