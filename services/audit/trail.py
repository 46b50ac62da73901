"""Recording to the audit trail: every login, failure, view, download, export, denial and staff change.

`record_audit` appends inside the caller's transaction, so an action and its audit row commit
together (and if the audit write fails, the action fails), then shows the row to the access
monitor, which may add an alert in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from data import AuditEvent
from services.audit import monitor
from services.audit.chain import append_audit_row
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.principal import Principal, RequestInfo


def record_audit(
    db: Session, secret_key: str, action: AuditAction, outcome: AuditOutcome, *, principal: Principal | None = None,
    request: RequestInfo | None = None, user_id: int | None = None, customer_id: int | None = None,
    session_hash: str | None = None, object_type: str | None = None, object_id: str | int | None = None,
    reason: str | None = None, details: Mapping[str, str | int | bool | None] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one audit row in `db`'s transaction and let the monitor see it. Never pass secrets
    (passwords, codes, tokens)."""
    row = append_audit_row(db, secret_key, action, outcome, principal=principal, request=request, user_id=user_id,
                           customer_id=customer_id, session_hash=session_hash, object_type=object_type,
                           object_id=object_id, reason=reason, details=details, occurred_at=occurred_at)
    monitor.observe(db, secret_key, row)
    return row
