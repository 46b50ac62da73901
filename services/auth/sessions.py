"""Server-side sessions: random tokens in the cookie, only their SHA-256 in the database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import LoginSession, User, utcnow
from data.db import rows_changed
from services.config.keys import sha256_hex
from services.config.settings import Settings
from services.live_events import EVENTS_INFO, EventBus, SessionsEnded
from services.localization.formatting import DEFAULT_TIMEZONE, locale_from_accept_language
from services.principal import Principal, RequestInfo

COOKIE_NAME = "portal_session"
SECURE_COOKIE_NAME = "__Host-portal_session"  # browsers only accept it Secure, host-only, Path=/
TOKEN_BYTES = 32  # 256 bits from the OS CSPRNG
TOUCH_INTERVAL = timedelta(seconds=60)  # last_seen is written at most once a minute per session
_PENDING_ENDS = "portal_sessions_ended"  # db.info: what to announce when the transaction commits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database stores and the audit trail shows: never the token itself."""
    return sha256_hex(token)


@dataclass(frozen=True)
class SessionState:
    """A live session row and its user, as resolved from a cookie."""

    session: LoginSession
    user: User
    valid_until: datetime  # when it ends without further activity (idle or absolute limit)

    @property
    def mfa_passed(self) -> bool:
        return self.session.mfa_passed_at is not None

    def principal(self, request: RequestInfo) -> Principal:
        assert self.session.id is not None and self.user.id is not None
        return Principal(
            user_id=self.user.id, session_id=self.session.id, session_hash=self.session.token_hash,
            email=self.user.email, display_name=self.user.display_name, role=self.user.role,
            customer_id=self.user.customer_id, request=request,
            locale=self.user.locale or locale_from_accept_language(request.accept_language),
            timezone=self.user.timezone or DEFAULT_TIMEZONE, timezone_chosen=self.user.timezone is not None,
        )


def start_session(db: Session, user: User, request: RequestInfo, now: datetime | None = None) -> str:
    """A new session after the password step (not yet MFA-passed); returns the cookie token."""
    now = now or utcnow()
    token = new_token()
    assert user.id is not None
    db.add(LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                        ip=request.ip, user_agent=(request.user_agent or "")[:512] or None))
    db.flush()
    return token


def rotate_token(db: Session, session: LoginSession, now: datetime | None = None) -> str:
    """Give the session a new token; the old one stops working at once."""
    token = new_token()
    session.token_hash = token_hash(token)
    session.last_seen_at = now or utcnow()
    db.add(session)
    db.flush()
    return token


def resolve_session(
    db: Session, token: str | None, settings: Settings, *, now: datetime | None = None, touch: bool = True
) -> SessionState | None:
    """The live session for a cookie token, or None if unknown, revoked, expired or the user is off.

    Expiry is decided here, on the server: idle since last activity, absolute since sign-in.
    `touch` records activity (page loads, clicks); background checks pass touch=False.
    """
    if not token or len(token) > 128:
        return None
    now = now or utcnow()
    row = db.exec(
        select(LoginSession, User).join(User, col(User.id) == col(LoginSession.user_id))
        .where(col(LoginSession.token_hash) == token_hash(token))
    ).first()
    if row is None:
        return None
    session, user = row
    if session.revoked_at is not None:
        return None
    idle_limit = timedelta(minutes=settings.session_idle_minutes)
    absolute_limit = timedelta(hours=settings.session_absolute_hours)
    if now - session.last_seen_at > idle_limit or now - session.created_at > absolute_limit:
        revoke_session(db, session, "expired", now)
        return None
    if not user.is_active:
        revoke_session(db, session, "user_disabled", now)
        return None
    if touch and now - session.last_seen_at >= TOUCH_INTERVAL:
        session.last_seen_at = now
        db.add(session)
        db.flush()
    return SessionState(session=session, user=user,
                        valid_until=min(session.last_seen_at + idle_limit, session.created_at + absolute_limit))


def _announce_after_commit(db: Session, ended: SessionsEnded) -> None:
    """Once `db` commits, tell the pages of those sessions (on the bus its `info` carries) to stop:
    a tab left open reads nothing more from then on, not only after its next periodic check. A
    rollback forgets the announcement with the revocation."""
    bus = db.info.get(EVENTS_INFO)
    if not isinstance(bus, EventBus):
        return  # a command-line or test session without a running portal: no open pages to tell
    pending: list[SessionsEnded] | None = db.info.get(_PENDING_ENDS)
    if pending is None:
        pending = db.info[_PENDING_ENDS] = []

        def committed(_db: Session) -> None:
            for item in pending:
                bus.publish_sessions_ended(item)
            pending.clear()

        sa.event.listen(db, "after_commit", committed)
        sa.event.listen(db, "after_rollback", lambda _db: pending.clear())
    pending.append(ended)


def revoke_session(db: Session, session: LoginSession, reason: str, now: datetime | None = None) -> None:
    if session.revoked_at is None:
        session.revoked_at = now or utcnow()
        session.revoked_reason = reason
        session.pending_totp_secret = None
        session.pending_recovery_codes = None
        db.add(session)
        db.flush()
        if session.id is not None:
            _announce_after_commit(db, SessionsEnded(user_id=session.user_id, session_id=session.id, reason=reason))


def revoke_user_sessions(
    db: Session, user_id: int, reason: str, *, keep_session_id: int | None = None, now: datetime | None = None
) -> int:
    """Revoke every live session of a user (but `keep_session_id`); returns how many."""
    statement = (
        sa.update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now or utcnow(), revoked_reason=reason, pending_totp_secret=None,
                pending_recovery_codes=None)
    )
    if keep_session_id is not None:
        statement = statement.where(col(LoginSession.id) != keep_session_id)
    ended = rows_changed(db.execute(statement))
    if ended:
        _announce_after_commit(db, SessionsEnded(user_id=user_id, kept_session_id=keep_session_id, reason=reason))
    return ended


@dataclass(frozen=True)
class ActiveSession:
    """One signed-in device, as the settings page lists it."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    ip: str | None
    user_agent: str | None
    is_current: bool


def active_sessions(db: Session, principal: Principal, settings: Settings, now: datetime | None = None) -> list[ActiveSession]:
    """The user's full sessions that have not ended, newest activity first."""
    now = now or utcnow()
    rows = db.exec(
        select(LoginSession).where(
            col(LoginSession.user_id) == principal.user_id, col(LoginSession.revoked_at).is_(None),
            col(LoginSession.mfa_passed_at).is_not(None),
            col(LoginSession.last_seen_at) > now - timedelta(minutes=settings.session_idle_minutes),
            col(LoginSession.created_at) > now - timedelta(hours=settings.session_absolute_hours),
        ).order_by(col(LoginSession.last_seen_at).desc())
    ).all()
    return [ActiveSession(id=row.id, created_at=row.created_at, last_seen_at=row.last_seen_at, ip=row.ip,  # type: ignore[arg-type]
                          user_agent=row.user_agent, is_current=row.id == principal.session_id) for row in rows]
