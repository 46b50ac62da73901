"""Customers' billing questions: the tickets the portal should make rarer."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from data import Invoice, SupportRequest
from services.audit import record_audit
from services.errors import InvalidInput, NotFound
from services.permissions import Capability, customer_access
from services.principal import Principal

MAX_MESSAGE = 5000


def ask_about_invoice(db: Session, secret_key: str, principal: Principal, invoice_id: int, message: str,
                      today: date) -> SupportRequest:
    """File a question about one of the user's invoices for the billing team."""
    access = customer_access(db, principal, today)
    access.require(Capability.ASK_SUPPORT)
    text = message.strip()
    if not text:
        raise InvalidInput("Write your question first.")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(f"Please keep it under {MAX_MESSAGE:,} characters.")
    invoice = db.exec(select(Invoice).where(Invoice.id == invoice_id, *access.invoice_conditions())).first()
    if invoice is None:
        raise NotFound("This invoice does not exist or is not yours to see.")
    request = SupportRequest(customer_id=access.customer.id, user_id=principal.user_id, invoice_id=invoice.id,
                             subject=f"Question about invoice {invoice.number}"[:200], message=text, channel="portal")
    db.add(request)
    db.flush()
    record_audit(db, secret_key, "support.request", "success", principal=principal, object_type="invoice",
                 object_id=invoice.id, details={"support_request_id": request.id})
    return request
