"""A customer's team: owners invite colleagues with a role and remove them; invitations are
one-time links that expire, through which the invited person sets a password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from data import Customer, Invitation, Role, User, utcnow
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.passwords import check_new_password, hash_password
from services.auth.permissions import Capability, customer_access
from services.auth.sessions import revoke_user_sessions
from services.auth.users import is_email_address, normalize_email
from services.config.keys import sha256_hex
from services.config.runtime import Runtime
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.principal import Principal, RequestInfo

CUSTOMER_ROLES = (Role.OWNER, Role.ACCOUNTANT, Role.VIEWER)
KNOWN_ELSEWHERE = ("This e-mail address has an account with the portal already: sign in with it. To join this "
                   "company's team with it, ask the person who invited you to invite another address or to contact us.")
UNUSABLE_PASSWORD = "!invited"  # not an argon2 hash: verifies against nothing until the invite is used


@dataclass(frozen=True)
class TeamMember:
    """A person of the team, or an invitation to someone; removing means `remove_member` with
    `user_id`, or with `invitation_id` for an invitation whose address has an account elsewhere."""

    user_id: int | None
    invitation_id: int | None
    email: str
    display_name: str
    role: Role
    active: bool
    invited_pending: bool
    last_login_at: datetime | None
    is_me: bool


@dataclass(frozen=True)
class IssuedInvitation:
    """The link token (shown once to whoever sends it) and when it stops working."""

    email: str
    token: str
    expires_at: datetime


def list_team(db: Session, principal: Principal, today: date) -> list[TeamMember]:
    access = customer_access(db, principal, today)
    access.require(Capability.MANAGE_TEAM)
    pending = set(db.exec(select(col(Invitation.user_id)).where(col(Invitation.used_at).is_(None))).all())
    users = db.exec(select(User).where(col(User.customer_id) == access.customer.id)).all()
    members = [TeamMember(user.id, None, user.email, user.display_name, user.role, user.is_active,
                          user.id in pending and user.password_hash == UNUSABLE_PASSWORD, user.last_login_at,
                          user.id == principal.user_id) for user in users]
    # Invitations to addresses known elsewhere look like any invited member (pending, then removed).
    members += [TeamMember(None, invitation.id, invitation.email or "", invitation.display_name or "",
                           invitation.role or Role.VIEWER, invitation.used_at is None, invitation.used_at is None,
                           None, False) for invitation in _unanswerable_invitations(db, access.customer.id)]
    return sorted(members, key=lambda member: member.email)


def _unanswerable_invitations(db: Session, customer_id: int | None, email: str | None = None) -> list[Invitation]:
    """Invitations of the customer to addresses that have an account elsewhere (newest per address)."""
    query = select(Invitation).where(col(Invitation.user_id).is_(None), col(Invitation.customer_id) == customer_id)
    if email is not None:
        query = query.where(col(Invitation.email) == email)
    newest: dict[str, Invitation] = {}
    for invitation in db.exec(query.order_by(col(Invitation.id))).all():
        newest[invitation.email or ""] = invitation
    return list(newest.values())


def issue_invitation(db: Session, runtime: Runtime, user: User, created_by: int | None,
                     now: datetime | None = None) -> IssuedInvitation:
    """A fresh one-time link for `user`; earlier unused links of the user stop working."""
    now = now or utcnow()
    assert user.id is not None
    for old in db.exec(select(Invitation).where(col(Invitation.user_id) == user.id, col(Invitation.used_at).is_(None))).all():
        old.used_at = now
        db.add(old)
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=runtime.settings.invitation_days)
    db.add(Invitation(token_hash=sha256_hex(token), user_id=user.id, created_by_user_id=created_by,
                      created_at=now, expires_at=expires_at))
    db.flush()
    return IssuedInvitation(email=user.email, token=token, expires_at=expires_at)


def invitee_email(email: str) -> str:
    """The e-mail address of someone to invite, normalized, or InvalidInput."""
    email = normalize_email(email)
    if not is_email_address(email):
        raise InvalidInput("Enter a valid e-mail address.")
    return email


def active_users(db: Session, customer_id: int) -> int:
    """How many of the customer's accounts count against its tier's user limit: active accounts and
    open invitations to addresses known elsewhere (they hold a place like any invited member)."""
    users = db.exec(select(func.count()).select_from(User).where(col(User.customer_id) == customer_id,
                                                                  col(User.is_active))).one()
    held = db.exec(select(func.count()).select_from(Invitation).where(
        col(Invitation.user_id).is_(None), col(Invitation.customer_id) == customer_id,
        col(Invitation.used_at).is_(None))).one()
    return users + held


def add_invited_user(db: Session, customer_id: int, role: Role, email: str, display_name: str) -> User:
    """A new account of the customer that cannot sign in until its invitation link is used."""
    user = User(email=email, display_name=display_name.strip()[:200], role=role, customer_id=customer_id,
                password_hash=UNUSABLE_PASSWORD)
    db.add(user)
    db.flush()
    return user


def invite_member(db: Session, runtime: Runtime, principal: Principal, *, email: str, role: Role,
                  display_name: str, today: date) -> IssuedInvitation:
    """Owner: add a colleague with a role; returns the link to send them."""
    access = customer_access(db, principal, today)
    access.require(Capability.MANAGE_TEAM)
    email = invitee_email(email)
    if role not in CUSTOMER_ROLES:
        raise InvalidInput("Choose owner, accountant or viewer.")
    existing = db.exec(select(User).where(col(User.email) == email)).first()
    if (existing is not None and existing.customer_id == access.customer.id) or \
            _unanswerable_invitations(db, access.customer.id, email):
        raise InvalidInput("This address is in your team already.")
    if active_users(db, access.customer.id) >= access.tier.max_users:  # type: ignore[arg-type]
        raise LimitExceeded(f"Your plan includes {access.tier.max_users} users; remove someone or upgrade the plan.")
    if existing is not None:
        # The address has an account with another customer or the staff. The owner gets the same
        # answer as for anyone else, so that inviting cannot tell which addresses are known here.
        issued = _invitation_for_a_known_address(db, runtime, access.customer.id, email, role, display_name,  # type: ignore[arg-type]
                                                 principal.user_id)
        record_audit(db, runtime.secret_key, AuditAction.TEAM_INVITE, AuditOutcome.SUCCESS, principal=principal,
                     object_type="user", object_id=existing.id, details={"role": role.value, "known_elsewhere": True})
        return issued
    user = add_invited_user(db, access.customer.id, role, email, display_name)  # type: ignore[arg-type]
    invitation = issue_invitation(db, runtime, user, principal.user_id)
    record_audit(db, runtime.secret_key, AuditAction.TEAM_INVITE, AuditOutcome.SUCCESS, principal=principal, object_type="user",
                 object_id=user.id, details={"role": role.value})
    return invitation


def _invitation_for_a_known_address(db: Session, runtime: Runtime, customer_id: int, email: str, role: Role,
                                    display_name: str, created_by: int, now: datetime | None = None) -> IssuedInvitation:
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=runtime.settings.invitation_days)
    db.add(Invitation(token_hash=sha256_hex(token), user_id=None, email=email, customer_id=customer_id, role=role,
                      display_name=display_name.strip()[:200], created_by_user_id=created_by, created_at=now,
                      expires_at=expires_at))
    db.flush()
    return IssuedInvitation(email=email, token=token, expires_at=expires_at)


def remove_member(db: Session, runtime: Runtime, principal: Principal, user_id: int | None, today: date, *,
                  invitation_id: int | None = None) -> None:
    """Owner: take a colleague's access away (their sessions end now), or withdraw an invitation to
    an address known elsewhere (`invitation_id`). The last owner stays."""
    access = customer_access(db, principal, today)
    access.require(Capability.MANAGE_TEAM)
    if invitation_id is not None:
        invitation = db.get(Invitation, invitation_id)
        if invitation is None or invitation.user_id is not None or invitation.customer_id != access.customer.id:
            raise NotFound("No such team member.")
        invitation.used_at = invitation.used_at or utcnow()
        db.add(invitation)
        record_audit(db, runtime.secret_key, AuditAction.TEAM_REMOVE, AuditOutcome.SUCCESS, principal=principal,
                     object_type="invitation", object_id=invitation_id, details={"known_elsewhere": True})
        return
    member = db.get(User, user_id) if user_id is not None else None
    if member is None or member.customer_id != access.customer.id:
        raise NotFound("No such team member.")
    if member.id == principal.user_id:
        raise InvalidInput("You cannot remove yourself; ask another owner.")
    if member.role == Role.OWNER:
        owners = db.exec(select(func.count()).select_from(User).where(
            col(User.customer_id) == access.customer.id, col(User.role) == Role.OWNER, col(User.is_active))).one()
        if owners <= 1:
            raise InvalidInput("The account needs at least one owner.")
    member.is_active = False
    db.add(member)
    ended = revoke_user_sessions(db, member.id or 0, "removed_from_team")
    record_audit(db, runtime.secret_key, AuditAction.TEAM_REMOVE, AuditOutcome.SUCCESS, principal=principal, object_type="user",
                 object_id=user_id, details={"sessions_ended": ended})


@dataclass(frozen=True)
class InvitationView:
    email: str
    customer_name: str | None
    expires_at: datetime


def _live_invitation(db: Session, token: str, now: datetime) -> tuple[Invitation, User | None] | None:
    """The unused, unexpired invitation of `token` and its invited account (None for an address
    known elsewhere)."""
    if not token or len(token) > 128:
        return None
    invitation = db.exec(select(Invitation).where(col(Invitation.token_hash) == sha256_hex(token))).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        return None
    user = db.get(User, invitation.user_id) if invitation.user_id is not None else None
    if invitation.user_id is not None and (user is None or not user.is_active):
        return None
    return invitation, user


def describe_invitation(db: Session, token: str, now: datetime | None = None) -> InvitationView | None:
    """What the invitation page shows, or None when the link is unknown, used or expired."""
    live = _live_invitation(db, token, now or utcnow())
    if live is None:
        return None
    invitation, user = live
    customer_id = user.customer_id if user is not None else invitation.customer_id
    customer = db.get(Customer, customer_id) if customer_id else None
    return InvitationView(user.email if user is not None else invitation.email or "",
                          customer.name if customer else None, invitation.expires_at)


def accept_invitation(db: Session, runtime: Runtime, token: str, password: str, request: RequestInfo,
                      now: datetime | None = None) -> str:
    """Set the invited user's password through the link (once); returns their e-mail."""
    now = now or utcnow()
    live = _live_invitation(db, token, now)
    if live is None:
        raise NotFound("This invitation link is not valid any more. Ask for a new one.", "expired")
    invitation, user = live
    check_new_password(password)
    if user is None:
        # Only the address's owner learns this (at the point where an account would be made).
        raise InvalidInput(KNOWN_ELSEWHERE, "known_elsewhere")
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.totp_secret_encrypted = None  # a new person at this address enrols their own authenticator
    user.totp_last_step = None
    user.mfa_enrolled_at = None
    invitation.used_at = now
    db.add(user)
    db.add(invitation)
    record_audit(db, runtime.secret_key, AuditAction.TEAM_INVITE_ACCEPTED, AuditOutcome.SUCCESS, request=request, user_id=user.id,
                 customer_id=user.customer_id, object_type="user", object_id=user.id)
    return user.email
