"""Tables, engine and migrations. Importing the package registers every table on `metadata`."""

from data.activity import AccessAlert, AuditChainHead, AuditEvent, Notification, NotificationPreference
from data.base import metadata
from data.billing import DEFAULT_SOURCE, Document, ExportJob, Invoice, InvoiceLine, Payment, SupportRequest, Vendor
from data.identity import Customer, Invitation, LoginSession, RecoveryCode, Tier, User
from data.ledger import LedgerCursor, LedgerInbox
from data.operations import JobLease
from data.types import (
    ExportStatus,
    InboxStatus,
    InvoiceStatus,
    NotificationKind,
    PaymentMethod,
    PaymentStatus,
    Role,
    SupportStatus,
    utcnow,
)

__all__ = [
    "DEFAULT_SOURCE", "AccessAlert", "AuditChainHead", "AuditEvent", "Customer", "Document", "ExportJob", "ExportStatus", "InboxStatus", "Invitation", "Invoice", "InvoiceLine", "JobLease",
    "InvoiceStatus", "LedgerCursor", "LedgerInbox", "LoginSession", "Notification", "NotificationKind",
    "NotificationPreference", "Payment", "PaymentMethod", "PaymentStatus", "RecoveryCode", "Role",
    "SupportRequest", "SupportStatus", "Tier", "User", "Vendor", "metadata", "utcnow",
]
