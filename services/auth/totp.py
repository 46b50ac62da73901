"""Time-based one-time passwords (RFC 6238): enrolment, verification and replay protection."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from sqlmodel import Session, col

from data import User
from data.db import rows_changed
from services.config.keys import decrypt, encrypt

TOTP_PURPOSE = "totp-secret"
STEP_SECONDS = 30
WINDOW_STEPS = 1  # accept the previous, current and next step (clock drift)
ISSUER = "Invoice Portal"


def new_secret() -> str:
    """A base32 secret of 160 bits (32 characters) from the OS CSPRNG."""
    return pyotp.random_base32(32)


def seal_secret(secret_key: str, secret: str) -> str:
    return encrypt(secret_key, TOTP_PURPOSE, secret)


def open_secret(secret_key: str, sealed: str) -> str:
    """The plaintext secret; DecryptionError (fail closed) if the stored value was tampered with."""
    return decrypt(secret_key, TOTP_PURPOSE, sealed)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_image(uri: str) -> str:
    """The enrolment QR code as an SVG `data:` URL, for an <img> (no markup enters the page)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, title="Scan with your authenticator app")


def current_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (T-1..T+1) whose code equals `code`, compared in constant time."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    step = current_step(now)
    found = None
    for candidate in range(step - WINDOW_STEPS, step + WINDOW_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            found = candidate
    return found


def claim_step(db: Session, user_id: int, step: int) -> bool:
    """Record `step` as used, only if it is newer than the last one: one winner among equal codes."""
    result = db.execute(
        sa.update(User)
        .where(col(User.id) == user_id, sa.or_(col(User.totp_last_step).is_(None), col(User.totp_last_step) < step))
        .values(totp_last_step=step)
    )
    return rows_changed(result) == 1


def quote_secret_for_display(secret: str) -> str:
    """The secret in groups of four for typing by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))

