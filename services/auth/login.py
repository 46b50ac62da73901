"""Signing in and out: the password step, the second factor (TOTP or recovery code), enrolment.

Every failure looks the same from outside: one generic answer, one password hash computed,
no hint whether the account exists, is locked or disabled. The audit trail records the truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from data import Customer, LoginSession, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.passwords import MAX_LENGTH, hash_password, needs_rehash, reference_hash, verify_password
from services.auth.recovery_codes import redeem_recovery_code, replace_recovery_codes
from services.auth.sessions import (
    resolve_session,
    revoke_session,
    revoke_user_sessions,
    rotate_token,
    start_session,
    token_hash,
)
from services.auth.totp import (
    claim_step,
    matching_step,
    new_secret,
    open_secret,
    provisioning_uri,
    qr_image,
    seal_secret,
)
from services.auth.users import normalize_email
from services.config.keys import DecryptionError, decrypt, encrypt
from services.config.runtime import Runtime
from services.principal import RequestInfo

MFA_ATTEMPTS = 5
RECOVERY_PURPOSE = "recovery-reveal"


def prepare_sign_in() -> None:
    """Do the one-time work of sign-in before the first visitor (the reference hash: 64 MiB and a
    moment), so the first unknown address answers as fast as every later one."""
    reference_hash()


@dataclass(frozen=True)
class PasswordAccepted:
    """The password step passed; the cookie gets `token`, then the user enrols or enters a code."""

    token: str
    needs_enrollment: bool


@dataclass(frozen=True)
class SecondFactorResult:
    """`token` is the new full-session cookie; otherwise `discarded` says the half login is gone."""

    token: str | None = None
    discarded: bool = False


@dataclass(frozen=True)
class Enrollment:
    secret: str
    uri: str
    qr_image: str


def sign_in_with_password(
    db: Session, runtime: Runtime, email: str, password: str, request: RequestInfo, now: datetime | None = None
) -> PasswordAccepted | None:
    """Check e-mail and password; None for every kind of failure (the caller says one thing)."""
    now = now or utcnow()
    email = normalize_email(email)[:320]
    password = password[: MAX_LENGTH + 1]  # longer can never match; bounds the hashing work
    user = db.exec(select(User).where(User.email == email)).first() if email else None
    if user is None:
        verify_password(reference_hash(), password)  # the same work as for a known address
        _audit_login_failure(db, runtime, request, None, "unknown_user", email)
        return None
    password_ok = verify_password(user.password_hash, password)
    customer_active = user.customer_id is None or bool(
        db.exec(select(Customer.is_active).where(Customer.id == user.customer_id)).first())
    if user.locked_until is not None and user.locked_until > now:
        _audit_login_failure(db, runtime, request, user, "locked")
        return None
    if not user.is_active or not customer_active:
        _audit_login_failure(db, runtime, request, user, "disabled")
        return None
    if not password_ok:
        count_failed_attempt(db, runtime, user, request, now)
        _audit_login_failure(db, runtime, request, user, "bad_password")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.add(user)
    token = start_session(db, user, request, now)
    record_audit(db, runtime.secret_key, AuditAction.LOGIN_PASSWORD, AuditOutcome.SUCCESS, request=request, user_id=user.id,
                 customer_id=user.customer_id, session_hash=token_hash(token))
    return PasswordAccepted(token=token, needs_enrollment=user.totp_secret_encrypted is None)


def _audit_login_failure(db: Session, runtime: Runtime, request: RequestInfo, user: User | None, reason: str,
                         email: str | None = None) -> None:
    record_audit(db, runtime.secret_key, AuditAction.LOGIN_PASSWORD, AuditOutcome.FAILURE, request=request,
                 user_id=user.id if user else None, customer_id=user.customer_id if user else None,
                 reason=reason, details={"email": email} if user is None and email else None)


def count_failed_attempt(db: Session, runtime: Runtime, user: User, request: RequestInfo, now: datetime) -> None:
    """One more failure toward the lockout; at the limit, lock and end every session of the user."""
    user.failed_logins += 1
    if user.failed_logins >= runtime.settings.login_max_failures:
        user.failed_logins = 0
        user.locked_until = now + timedelta(minutes=runtime.settings.login_lock_minutes)
        revoke_user_sessions(db, user.id or 0, "locked", now=now)
        record_audit(db, runtime.secret_key, AuditAction.LOGIN_LOCKED, AuditOutcome.DENIED, request=request, user_id=user.id,
                     customer_id=user.customer_id, reason=f"{runtime.settings.login_max_failures} failures")
    db.add(user)
    db.flush()


def _half_session(db: Session, runtime: Runtime, token: str | None, now: datetime) -> tuple[LoginSession, User] | None:
    state = resolve_session(db, token, runtime.settings, now=now)
    if state is None or state.mfa_passed:
        return None
    return state.session, state.user


def verify_second_factor(
    db: Session, runtime: Runtime, token: str | None, code: str, request: RequestInfo, now: datetime | None = None
) -> SecondFactorResult:
    """A TOTP code or a recovery code completes the login and rotates the session token."""
    now = now or utcnow()
    half = _half_session(db, runtime, token, now)
    if half is None:
        return SecondFactorResult(discarded=True)
    session, user = half
    if user.totp_secret_encrypted is None:
        return SecondFactorResult(discarded=True)
    assert user.id is not None
    code = code.strip()[:64]
    method = "recovery_code" if len(code.replace(" ", "")) > 6 else "totp"
    if method == "totp":
        try:
            secret = open_secret(runtime.secret_key, user.totp_secret_encrypted)
        except DecryptionError:
            record_audit(db, runtime.secret_key, AuditAction.LOGIN_MFA, AuditOutcome.FAILURE, request=request, user_id=user.id,
                         customer_id=user.customer_id, session_hash=session.token_hash, reason="secret_unreadable")
            return _mfa_failed(db, runtime, session, user, request, now)
        step = matching_step(secret, code, now)
        accepted = step is not None and claim_step(db, user.id, step)
    else:
        accepted = redeem_recovery_code(db, runtime.secret_key, user.id, code)
    if not accepted:
        record_audit(db, runtime.secret_key, AuditAction.LOGIN_MFA, AuditOutcome.FAILURE, request=request, user_id=user.id,
                     customer_id=user.customer_id, session_hash=session.token_hash, reason=f"bad_{method}")
        return _mfa_failed(db, runtime, session, user, request, now)
    return SecondFactorResult(token=_complete_login(db, runtime, session, user, request, now, method))


def _mfa_failed(db: Session, runtime: Runtime, session: LoginSession, user: User, request: RequestInfo,
                now: datetime) -> SecondFactorResult:
    session.mfa_failures += 1
    db.add(session)
    count_failed_attempt(db, runtime, user, request, now)
    if session.mfa_failures >= MFA_ATTEMPTS or session.revoked_at is not None:
        revoke_session(db, session, "mfa_failures", now)
        return SecondFactorResult(discarded=True)
    return SecondFactorResult()


def _complete_login(db: Session, runtime: Runtime, session: LoginSession, user: User, request: RequestInfo,
                    now: datetime, method: str) -> str:
    session.mfa_passed_at = now
    session.mfa_failures = 0
    user.failed_logins = 0
    user.last_login_at = now
    db.add(user)
    if user.customer_id is not None:
        customer = db.get(Customer, user.customer_id)
        if customer is not None and customer.portal_adopted_at is None:
            customer.portal_adopted_at = now
            db.add(customer)
    new_token = rotate_token(db, session, now)
    record_audit(db, runtime.secret_key, AuditAction.LOGIN_SUCCESS, AuditOutcome.SUCCESS, request=request, user_id=user.id,
                 customer_id=user.customer_id, session_hash=session.token_hash, details={"method": method})
    return new_token


def begin_enrollment(db: Session, runtime: Runtime, token: str | None, now: datetime | None = None) -> Enrollment | None:
    """The secret to enrol (the same one on reload), or None without a half login that needs it."""
    now = now or utcnow()
    half = _half_session(db, runtime, token, now)
    if half is None or half[1].totp_secret_encrypted is not None:
        return None
    session, user = half
    secret = None
    if session.pending_totp_secret:
        try:
            secret = open_secret(runtime.secret_key, session.pending_totp_secret)
        except DecryptionError:
            secret = None
    if secret is None:
        secret = new_secret()
        session.pending_totp_secret = seal_secret(runtime.secret_key, secret)
        db.add(session)
        db.flush()
    uri = provisioning_uri(secret, user.email)
    return Enrollment(secret=secret, uri=uri, qr_image=qr_image(uri))


def confirm_enrollment(
    db: Session, runtime: Runtime, token: str | None, code: str, request: RequestInfo, now: datetime | None = None
) -> SecondFactorResult:
    """A valid code from the new authenticator stores the secret, issues recovery codes, signs in."""
    now = now or utcnow()
    half = _half_session(db, runtime, token, now)
    if half is None or half[1].totp_secret_encrypted is not None or not half[0].pending_totp_secret:
        return SecondFactorResult(discarded=True)
    session, user = half
    assert user.id is not None and session.pending_totp_secret is not None
    secret = open_secret(runtime.secret_key, session.pending_totp_secret)
    step = matching_step(secret, code, now)
    if step is None:
        record_audit(db, runtime.secret_key, AuditAction.MFA_ENROLL, AuditOutcome.FAILURE, request=request, user_id=user.id,
                     customer_id=user.customer_id, session_hash=session.token_hash, reason="bad_totp")
        return _mfa_failed(db, runtime, session, user, request, now)
    user.totp_secret_encrypted = seal_secret(runtime.secret_key, secret)
    user.totp_last_step = step
    user.mfa_enrolled_at = now
    session.pending_totp_secret = None
    hold_recovery_codes(session, runtime.secret_key, replace_recovery_codes(db, runtime.secret_key, user.id))
    record_audit(db, runtime.secret_key, AuditAction.MFA_ENROLL, AuditOutcome.SUCCESS, request=request, user_id=user.id,
                 customer_id=user.customer_id, session_hash=session.token_hash)
    return SecondFactorResult(token=_complete_login(db, runtime, session, user, request, now, "totp"))


def hold_recovery_codes(session: LoginSession, secret_key: str, codes: list[str]) -> None:
    """Keep new recovery codes (encrypted) on the session until the page shows them once."""
    session.pending_recovery_codes = encrypt(secret_key, RECOVERY_PURPOSE, json.dumps(codes))


def take_pending_recovery_codes(db: Session, runtime: Runtime, session_id: int) -> list[str] | None:
    """New recovery codes to show once; they are gone from the server after this call."""
    session = db.get(LoginSession, session_id)
    if session is None or not session.pending_recovery_codes:
        return None
    try:
        codes = json.loads(decrypt(runtime.secret_key, RECOVERY_PURPOSE, session.pending_recovery_codes))
    except DecryptionError:
        codes = None
    session.pending_recovery_codes = None
    db.add(session)
    db.flush()
    return codes


def sign_out(db: Session, runtime: Runtime, token: str | None, request: RequestInfo) -> None:
    """End the session server-side; replaying its cookie afterwards fails."""
    if not token:
        return
    session = db.exec(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).first()
    if session is None or session.revoked_at is not None:
        return
    revoke_session(db, session, "logout")
    user = db.get(User, session.user_id)
    record_audit(db, runtime.secret_key, AuditAction.LOGOUT, AuditOutcome.SUCCESS, request=request, user_id=session.user_id,
                 customer_id=user.customer_id if user else None, session_hash=session.token_hash)
