"""What a signed-in user changes about their own account (staff actions on others: `admin_users`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from data import LoginSession, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.login import count_failed_attempt, hold_recovery_codes
from services.auth.passwords import MAX_LENGTH, PASSWORD_PROBLEMS, check_new_password, hash_password, verify_password
from services.auth.recovery_codes import replace_recovery_codes
from services.auth.sessions import revoke_user_sessions, rotate_token
from services.config.runtime import Runtime
from services.errors import InvalidInput, NotFound
from services.principal import Principal


def _own_user(db: Session, principal: Principal) -> User:
    user = db.get(User, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    return user


PASSWORD_CHANGE_PROBLEMS = PASSWORD_PROBLEMS | {
    "current": "Your current password is not right.",
    "same": "The new password must differ from the current one.",
    "mismatch": "The two new passwords differ.",
}


@dataclass(frozen=True)
class PasswordChange:
    """Either the new token for this session, or the code of what stopped the change."""

    token: str | None = None
    problem: str | None = None


def change_password(db: Session, runtime: Runtime, principal: Principal, current: str, new: str) -> PasswordChange:
    """Set a new password after checking the current one; ends every other session and gives this
    one a new token. A wrong current password is audited and counts toward the lockout."""
    user = _own_user(db, principal)
    if not verify_password(user.password_hash, current[: MAX_LENGTH + 1]):
        record_audit(db, runtime.secret_key, AuditAction.PASSWORD_CHANGE, AuditOutcome.FAILURE, principal=principal, reason="bad_current")
        count_failed_attempt(db, runtime, user, principal.request, utcnow())
        return PasswordChange(problem="current")
    if new == current:
        return PasswordChange(problem="same")
    try:
        check_new_password(new)
    except InvalidInput as error:
        return PasswordChange(problem=error.code)
    now = utcnow()
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    db.add(user)
    ended = revoke_user_sessions(db, user.id or 0, "password_changed", keep_session_id=principal.session_id, now=now)
    session = db.get(LoginSession, principal.session_id)
    assert session is not None
    token = rotate_token(db, session, now)
    record_audit(db, runtime.secret_key, AuditAction.PASSWORD_CHANGE, AuditOutcome.SUCCESS, principal=principal,
                 session_hash=session.token_hash, details={"other_sessions_ended": ended})
    return PasswordChange(token=token)


def sign_out_other_sessions(db: Session, runtime: Runtime, principal: Principal) -> int:
    """End every session of this user but the current one; returns how many ended."""
    ended = revoke_user_sessions(db, principal.user_id, "signed_out_elsewhere", keep_session_id=principal.session_id)
    record_audit(db, runtime.secret_key, AuditAction.SESSION_REVOKE_OTHERS, AuditOutcome.SUCCESS, principal=principal,
                 details={"sessions_ended": ended})
    return ended


def regenerate_recovery_codes(db: Session, runtime: Runtime, principal: Principal) -> None:
    """Replace the recovery codes; the new ones wait (encrypted) on this session to be shown once."""
    codes = replace_recovery_codes(db, runtime.secret_key, principal.user_id)
    session = db.get(LoginSession, principal.session_id)
    assert session is not None
    hold_recovery_codes(session, runtime.secret_key, codes)
    db.add(session)
    record_audit(db, runtime.secret_key, AuditAction.MFA_RECOVERY_CODES, AuditOutcome.SUCCESS, principal=principal)
