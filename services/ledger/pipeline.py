"""The one way events come in, whatever the source: apply in one transaction, then (after
commit) notify users and publish live updates. PDFs of new revisions follow in the background."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlmodel import col, select

from data import InboxStatus, Invoice, LedgerInbox
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import require_admin
from services.config.runtime import Runtime
from services.errors import InvalidInput, NotFound
from services.ledger.apply import BatchResult, Change, apply_batch, replay_quarantined
from services.live_events import LiveEvent
from services.localization.today import today_for
from services.notifications.alerts import notify_invoice_changes
from services.principal import Principal

# One batch at a time in this process: the inbox check and insert must not interleave.
_apply_lock = threading.Lock()


def ingest(runtime: Runtime, source: str, events: Sequence[object], next_cursor: str | None = None) -> BatchResult:
    """Apply a batch exactly once and run the work that follows a commit."""
    with _apply_lock:
        with runtime.unit_of_work() as db:
            result = apply_batch(db, source, list(events), today=today_for("UTC"), next_cursor=next_cursor)
    after_commit(runtime, result.changes)
    return result


def replay(runtime: Runtime, actor: Principal, inbox_id: int) -> str | None:
    """Admin: apply a quarantined event again. Returns None when it applied, else why it still fails."""
    require_admin(actor)
    with _apply_lock:
        with runtime.unit_of_work() as db:
            row = db.get(LedgerInbox, inbox_id)
            if row is None:
                raise NotFound("No such ledger event.")
            if row.status != InboxStatus.QUARANTINED:
                raise InvalidInput("This event is not in quarantine (it was applied already).")
            change, reason = replay_quarantined(db, row, today_for("UTC"))
            record_audit(db, runtime.secret_key, AuditAction.LEDGER_REPLAY, AuditOutcome.SUCCESS if reason is None else AuditOutcome.FAILURE,
                         principal=actor, object_type="ledger_event", object_id=inbox_id, reason=reason,
                         details={"source": row.source, "event_id": row.event_id})
    after_commit(runtime, [change] if change else [])
    return reason


def after_commit(runtime: Runtime, changes: Sequence[Change]) -> None:
    """Notifications for users who asked, then live events for open pages of those customers."""
    if not changes:
        return
    events = [LiveEvent(customer_id=change.customer_id, invoice_id=change.invoice_id, number=change.number,
                        kind=change.kind, status=change.new_status, old_status=change.old_status,
                        payment_status=change.payment_status) for change in changes]
    with runtime.unit_of_work() as db:
        amounts: dict[int, tuple[int, str]] = {}
        ids = sorted({change.invoice_id for change in changes})
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            amounts |= {invoice_id: (total, currency) for invoice_id, total, currency in db.exec(  # type: ignore[misc]
                select(col(Invoice.id), col(Invoice.total_minor), col(Invoice.currency)).where(col(Invoice.id).in_(chunk))).all()}
        notify_invoice_changes(db, events, amounts)
    for event in events:
        runtime.events.publish(event)
