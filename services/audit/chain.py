"""The audit chain itself: rows appended with an HMAC over the row and the hash before it, and
the verifier that walks them.

`append_audit_row` writes inside the caller's transaction. The chain head row is updated first: in
PostgreSQL that row lock, in SQLite the write lock, serializes appenders until commit, so the chain
never forks. Callers record through `trail.record_audit`, which also shows the row to the access
monitor; the monitor writes its own alerts here directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import AuditChainHead, AuditEvent, utcnow
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.config.keys import keyed_hash
from services.principal import Principal, RequestInfo

AUDIT_PURPOSE = "audit-chain"
GENESIS_HASH = "0" * 64
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LIMITS = {"ip": 64, "user_agent": 512, "action": 64, "object_type": 32, "object_id": 64, "reason": 500}


def _clean(value: str | None, limit: int) -> str | None:
    """Escape control characters (no forged log lines) and cut to the column's size."""
    if value is None:
        return None
    escaped = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)
    return escaped[:limit]


def canonical_row(row: AuditEvent) -> str:
    """The bytes the HMAC covers: every field but the hashes and the surrogate id."""
    return json.dumps({
        "seq": row.seq, "occurred_at": row.occurred_at.isoformat(timespec="microseconds"),
        "user_id": row.user_id, "customer_id": row.customer_id, "session_hash": row.session_hash,
        "ip": row.ip, "user_agent": row.user_agent, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "outcome": row.outcome, "reason": row.reason, "details": row.details,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(secret_key: str, row: AuditEvent) -> str:
    """The row's HMAC under the portal's secret key, chained to the hash before it."""
    return keyed_hash(secret_key, AUDIT_PURPOSE, row.prev_hash + canonical_row(row))


def append_audit_row(
    db: Session, secret_key: str, action: AuditAction, outcome: AuditOutcome, *, principal: Principal | None = None,
    request: RequestInfo | None = None, user_id: int | None = None, customer_id: int | None = None,
    session_hash: str | None = None, object_type: str | None = None, object_id: str | int | None = None,
    reason: str | None = None, details: Mapping[str, str | int | bool | None] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Append one audit row in `db`'s transaction, unobserved. Never pass secrets (passwords, codes, tokens)."""
    if principal is not None:
        user_id = user_id if user_id is not None else principal.user_id
        customer_id = customer_id if customer_id is not None else principal.customer_id
        session_hash = session_hash or principal.session_hash
        request = request or principal.request
    request = request or RequestInfo()
    head = db.execute(
        sa.update(AuditChainHead).where(col(AuditChainHead.id) == 1)
        .values(last_seq=col(AuditChainHead.last_seq) + 1)
        .returning(col(AuditChainHead.last_seq), col(AuditChainHead.last_hash))
    ).one()
    detail_text = None
    if details:
        detail_text = json.dumps({key: _clean(value, 500) if isinstance(value, str) else value
                                  for key, value in details.items()}, sort_keys=True, ensure_ascii=False)[:4000]
    row = AuditEvent(
        seq=head.last_seq, occurred_at=occurred_at or utcnow(), user_id=user_id, customer_id=customer_id,
        session_hash=session_hash, ip=_clean(request.ip, _LIMITS["ip"]),
        user_agent=_clean(request.user_agent, _LIMITS["user_agent"]), action=_clean(action, 64) or action,
        object_type=_clean(object_type, 32), object_id=_clean(None if object_id is None else str(object_id), 64),
        outcome=outcome, reason=_clean(reason, 500), details=detail_text, prev_hash=head.last_hash, row_hash="",
    )
    row.row_hash = row_hash(secret_key, row)
    db.add(row)
    db.execute(sa.update(AuditChainHead).where(col(AuditChainHead.id) == 1).values(last_hash=row.row_hash))
    db.flush()
    return row


@dataclass(frozen=True)
class ChainVerdict:
    """The verifier's answer: intact, or the first row that does not fit and why."""

    rows_checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_audit_chain(db: Session, secret_key: str, batch_size: int = 5_000) -> ChainVerdict:
    """Walk the chain in order; name the first row that was edited, removed or moved."""
    expected_seq, previous_hash, checked, last_seq = 1, GENESIS_HASH, 0, 0
    after = 0
    while True:
        # populate_existing: judge what is stored now, never objects cached in this session.
        rows = db.exec(select(AuditEvent).where(col(AuditEvent.seq) > after).order_by(col(AuditEvent.seq))
                       .limit(batch_size).execution_options(populate_existing=True)).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return ChainVerdict(checked, row.seq, row.id, f"row {expected_seq} is missing before row {row.seq}")
            if row.prev_hash != previous_hash:
                return ChainVerdict(checked, row.seq, row.id, "does not follow the row before it (removed or moved)")
            if row.row_hash != row_hash(secret_key, row):
                return ChainVerdict(checked, row.seq, row.id, "content was changed after it was written")
            previous_hash, expected_seq, last_seq = row.row_hash, expected_seq + 1, row.seq
            checked += 1
        after = rows[-1].seq
        db.expunge_all()
    head = db.get(AuditChainHead, 1, populate_existing=True)
    if head is None or head.last_seq != last_seq or head.last_hash != previous_hash:
        return ChainVerdict(checked, last_seq + 1, None, "rows after the last one shown were removed")
    return ChainVerdict(checked)
