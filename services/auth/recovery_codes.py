"""Ten single-use recovery codes per user, stored only as keyed hashes."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlmodel import Session, col

from data import RecoveryCode, utcnow
from data.db import rows_changed
from services.config.keys import keyed_hash

CODE_COUNT = 10
RECOVERY_PURPOSE = "recovery-code"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _normalize(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


def _hash(secret_key: str, code: str) -> str:
    # Codes carry ~50 bits from the CSPRNG, so a keyed hash (not a slow one) is enough.
    return keyed_hash(secret_key, RECOVERY_PURPOSE, _normalize(code))


def replace_recovery_codes(db: Session, secret_key: str, user_id: int) -> list[str]:
    """Revoke the old set and issue ten new codes; the plaintext is returned once, never stored."""
    db.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = []
    for _ in range(CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.add_all(RecoveryCode(user_id=user_id, code_hash=_hash(secret_key, code)) for code in codes)
    db.flush()
    return codes


def redeem_recovery_code(db: Session, secret_key: str, user_id: int, code: str) -> bool:
    """Use up one code; True only the first time a valid code is presented."""
    if not 8 <= len(_normalize(code)) <= 16:
        return False
    result = db.execute(
        sa.update(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.code_hash) == _hash(secret_key, code),
               col(RecoveryCode.used_at).is_(None))
        .values(used_at=utcnow())
    )
    return rows_changed(result) == 1


def remaining_recovery_codes(db: Session, user_id: int) -> int:
    return db.execute(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user_id, col(RecoveryCode.used_at).is_(None))
    ).scalar_one()
