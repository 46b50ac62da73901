"""Customers' billing questions: the tickets the portal should make rarer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from data import Customer, Invoice, SupportRequest, SupportStatus, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import Capability, customer_access, require_staff
from services.config.runtime import Runtime
from services.errors import InvalidInput, NotFound
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
    invoice = db.exec(select(Invoice).where(col(Invoice.id) == invoice_id, *access.invoice_conditions())).first()
    if invoice is None:
        raise NotFound("This invoice does not exist or is not yours to see.")
    request = SupportRequest(customer_id=access.customer.id, user_id=principal.user_id,  # type: ignore[arg-type]
                             invoice_id=invoice.id,
                             subject=f"Question about invoice {invoice.number}"[:200], message=text, channel="portal")
    db.add(request)
    db.flush()
    record_audit(db, secret_key, AuditAction.SUPPORT_REQUEST, AuditOutcome.SUCCESS, principal=principal, object_type="invoice",
                 object_id=invoice.id, details={"support_request_id": request.id})
    return request


@dataclass(frozen=True)
class QuestionRow:
    """A billing question as staff see it in their queue."""

    id: int
    subject: str
    message: str
    status: SupportStatus
    channel: str
    created_at: datetime
    customer_name: str
    user_email: str | None
    invoice_number: str | None


def list_questions(db: Session, actor: Principal, status: SupportStatus | None = SupportStatus.OPEN,
                   limit: int = 100) -> list[QuestionRow]:
    """Staff: questions with the given status (all with None), oldest open first, else newest first."""
    require_staff(actor)
    statement = (select(SupportRequest, col(Customer.name), col(User.email), col(Invoice.number))
                 .join(Customer, col(Customer.id) == col(SupportRequest.customer_id))
                 .join(User, col(User.id) == col(SupportRequest.user_id), isouter=True)
                 .join(Invoice, col(Invoice.id) == col(SupportRequest.invoice_id), isouter=True))
    if status is not None:
        statement = statement.where(col(SupportRequest.status) == status)
    order = col(SupportRequest.created_at) if status == SupportStatus.OPEN else col(SupportRequest.created_at).desc()
    rows = db.exec(statement.order_by(order, col(SupportRequest.id)).limit(limit)).all()
    return [QuestionRow(request.id, request.subject, request.message, request.status, request.channel,  # type: ignore[arg-type]
                        request.created_at, name, email, number) for request, name, email, number in rows]


def set_question_status(db: Session, runtime: Runtime, actor: Principal, request_id: int,
                        status: SupportStatus) -> None:
    """Staff: mark a question answered (the reply went out by e-mail), closed, or open again."""
    require_staff(actor)
    request = db.get(SupportRequest, request_id)
    if request is None:
        raise NotFound("No such question.")
    request.status = status
    request.closed_at = utcnow() if status == SupportStatus.CLOSED else None
    db.add(request)
    record_audit(db, runtime.secret_key, AuditAction.SUPPORT_STATUS, AuditOutcome.SUCCESS, principal=actor, customer_id=request.customer_id,
                 object_type="support_request", object_id=request_id, details={"status": status.value})
