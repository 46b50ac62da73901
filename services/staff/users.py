"""Staff actions on user accounts: find, lock and unlock, reset two-step verification, disable.

Support staff may find users, unlock them and reset their MFA (the help-desk work); disabling and
enabling accounts is for administrators. Every action is audited and ends the sessions it must.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import Customer, Invitation, RecoveryCode, Role, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import require_admin, require_staff
from services.auth.sessions import revoke_user_sessions
from services.auth.team import UNUSABLE_PASSWORD
from services.config.runtime import Runtime
from services.errors import InvalidInput, NotFound
from services.principal import Principal

# A staff lock has no natural end; it holds until someone unlocks the account.
STAFF_LOCK = timedelta(days=365 * 100)


@dataclass(frozen=True)
class UserRow:
    """One account in the staff user list."""

    id: int
    email: str
    display_name: str
    role: Role
    customer_id: int | None
    customer_name: str | None
    active: bool
    locked_until: datetime | None
    mfa_enrolled: bool
    invited_pending: bool
    last_login_at: datetime | None
    failed_logins: int

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def search_users(db: Session, actor: Principal, search: str = "", *, customer_id: int | None = None,
                 limit: int = 100) -> list[UserRow]:
    """Accounts whose e-mail, name or company contains `search`, optionally of one customer."""
    require_staff(actor)
    statement = select(User, col(Customer.name)).join(Customer, col(Customer.id) == col(User.customer_id), isouter=True)
    if needle := search.strip().lower():  # e-mails are stored lower-case
        statement = statement.where(sa.or_(col(User.email).contains(needle, autoescape=True),
                                           func.lower(col(User.display_name)).contains(needle, autoescape=True),
                                           func.lower(col(Customer.name)).contains(needle, autoescape=True)))
    if customer_id is not None:
        statement = statement.where(col(User.customer_id) == customer_id)
    rows = db.exec(statement.order_by(col(User.email)).limit(limit)).all()
    pending = set(db.exec(select(col(Invitation.user_id)).where(col(Invitation.used_at).is_(None))).all())
    return [UserRow(user.id, user.email, user.display_name, user.role, user.customer_id, customer_name,  # type: ignore[arg-type]
                    user.is_active, user.locked_until, user.mfa_enrolled_at is not None,
                    user.id in pending and user.password_hash == UNUSABLE_PASSWORD, user.last_login_at,
                    user.failed_logins)
            for user, customer_name in rows]


def _target(db: Session, actor: Principal, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.id == actor.user_id:
        raise InvalidInput("Ask another staff member to change your own account.")
    if user.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise InvalidInput("Only an administrator can change an administrator's account.")
    return user


def lock_user(db: Session, runtime: Runtime, actor: Principal, user_id: int, now: datetime | None = None) -> int:
    """Staff: stop an account from signing in until unlocked; its sessions end now. Returns how many."""
    require_staff(actor)
    user = _target(db, actor, user_id)
    user.locked_until = (now or utcnow()) + STAFF_LOCK
    db.add(user)
    ended = revoke_user_sessions(db, user_id, "locked_by_staff", now=now)
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_USER_LOCK, AuditOutcome.SUCCESS, principal=actor, customer_id=user.customer_id,
                 object_type="user", object_id=user_id, details={"sessions_ended": ended})
    return ended


def unlock_user(db: Session, runtime: Runtime, actor: Principal, user_id: int) -> None:
    """Staff: lift a lock (by staff or after failed sign-ins) and forget the failed attempts."""
    require_staff(actor)
    user = _target(db, actor, user_id)
    user.locked_until = None
    user.failed_logins = 0
    db.add(user)
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_USER_UNLOCK, AuditOutcome.SUCCESS, principal=actor, customer_id=user.customer_id,
                 object_type="user", object_id=user_id)


def reset_mfa(db: Session, runtime: Runtime, actor: Principal, user_id: int) -> None:
    """Staff: forget a user's authenticator and recovery codes; the next sign-in enrols anew."""
    require_staff(actor)
    user = _target(db, actor, user_id)
    user.totp_secret_encrypted = None
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    db.add(user)
    for code in db.exec(select(RecoveryCode).where(col(RecoveryCode.user_id) == user_id)).all():
        db.delete(code)
    ended = revoke_user_sessions(db, user_id, "mfa_reset")
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_MFA_RESET, AuditOutcome.SUCCESS, principal=actor, customer_id=user.customer_id,
                 object_type="user", object_id=user_id, details={"sessions_ended": ended})


def set_user_active(db: Session, runtime: Runtime, actor: Principal, user_id: int, active: bool) -> None:
    """Admin: disable (ending every session at once) or re-enable a user."""
    require_admin(actor)
    user = _target(db, actor, user_id)
    user.is_active = active
    if active:
        user.locked_until = None
        user.failed_logins = 0
    db.add(user)
    ended = 0 if active else revoke_user_sessions(db, user_id, "user_disabled")
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_USER_ENABLE if active else AuditAction.ADMIN_USER_DISABLE, AuditOutcome.SUCCESS,
                 principal=actor, customer_id=user.customer_id, object_type="user", object_id=user_id,
                 details={"sessions_ended": ended})
