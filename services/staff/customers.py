"""Staff administration of customer companies and subscription tiers.

Reading is for all staff, changing is for administrators. Tier and customer rows are read afresh
by `permissions.customer_access` on every request, so a change reaches the affected users on
their next click; disabling a customer also ends its users' sessions at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import Customer, Invitation, Role, Tier, User
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import require_admin, require_staff
from services.auth.sessions import revoke_user_sessions
from services.auth.team import (
    UNUSABLE_PASSWORD,
    IssuedInvitation,
    active_users,
    add_invited_user,
    invitee_email,
    issue_invitation,
)
from services.auth.users import is_email_address, normalize_email
from services.config.runtime import Runtime
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.principal import Principal

REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class CustomerRow:
    """One customer in the staff list."""

    id: int
    ref: str
    name: str
    email: str | None
    country: str | None
    tax_id: str | None
    address: str
    tier_id: int
    tier_name: str
    active: bool
    users: int
    adopted_at: datetime | None
    owner_pending: bool


@dataclass(frozen=True)
class CustomerInput:
    """What staff type into the customer form (strings as typed; checked by `save_customer`)."""

    ref: str
    name: str
    tier_id: int
    email: str = ""
    country: str = ""
    tax_id: str = ""
    address: str = ""


@dataclass(frozen=True)
class TierInput:
    """The tier form: limits as numbers, `history_months` None for the whole history."""

    name: str
    history_months: int | None
    can_download_pdf: bool
    can_export_csv: bool
    max_export_invoices: int
    exports_per_hour: int
    max_users: int
    email_notifications: bool


@dataclass(frozen=True)
class TierRow(TierInput):
    """A tier as the console lists it: its limits, its id and how many customers are on it."""

    id: int
    customers: int


def list_customers(db: Session, actor: Principal, search: str = "", limit: int = 200) -> list[CustomerRow]:
    """Customers whose name or reference contains `search` (case-insensitive), by name."""
    require_staff(actor)
    users = (select(col(User.customer_id), func.count().label("users")).where(col(User.is_active))
             .group_by(col(User.customer_id)).subquery())
    pending_owner = (select(col(User.customer_id)).join(Invitation, col(Invitation.user_id) == col(User.id))
                     .where(col(User.role) == Role.OWNER, col(User.password_hash) == UNUSABLE_PASSWORD,
                            col(Invitation.used_at).is_(None)))
    statement = (select(Customer, col(Tier.name), func.coalesce(users.c.users, 0))
                 .join(Tier, col(Tier.id) == col(Customer.tier_id))
                 .join(users, users.c.customer_id == col(Customer.id), isouter=True))
    if needle := search.strip().lower():
        statement = statement.where(sa.or_(func.lower(col(Customer.name)).contains(needle, autoescape=True),
                                           func.lower(col(Customer.ref)).contains(needle, autoescape=True)))
    rows = db.exec(statement.order_by(func.lower(col(Customer.name)), col(Customer.id)).limit(limit)).all()
    pending = set(db.exec(pending_owner).all())
    return [CustomerRow(customer.id, customer.ref, customer.name, customer.email, customer.country,  # type: ignore[arg-type]
                        customer.tax_id, customer.address, customer.tier_id, tier_name, customer.is_active, count,
                        customer.portal_adopted_at, customer.id in pending)
            for customer, tier_name, count in rows]


def _checked_customer(db: Session, data: CustomerInput, customer_id: int | None) -> dict[str, object]:
    ref, name = data.ref.strip(), data.name.strip()
    if not REF_PATTERN.match(ref):
        raise InvalidInput("The customer number must be 1-64 letters, digits or . _ - / (as in the ledger).")
    if not name or len(name) > 200:
        raise InvalidInput("Enter the company name (up to 200 characters).")
    email = normalize_email(data.email) or None
    if email is not None and not is_email_address(email):
        raise InvalidInput("Enter a valid billing e-mail address or leave it empty.")
    country = data.country.strip().upper() or None
    if country is not None and not COUNTRY_PATTERN.match(country):
        raise InvalidInput("The country is a two-letter ISO code such as DE, PL or JP.")
    if len(data.tax_id.strip()) > 64 or len(data.address) > 1000:
        raise InvalidInput("The tax id (64) or the address (1000 characters) is too long.")
    if db.get(Tier, data.tier_id) is None:
        raise InvalidInput("Choose one of the tiers.")
    taken = db.exec(select(col(Customer.id)).where(col(Customer.ref) == ref)).first()
    if taken is not None and taken != customer_id:
        raise InvalidInput(f"Customer number {ref} belongs to another customer.")
    return {"ref": ref, "name": name, "email": email, "country": country, "tax_id": data.tax_id.strip() or None,
            "address": data.address.strip(), "tier_id": data.tier_id}


def save_customer(db: Session, runtime: Runtime, actor: Principal, data: CustomerInput,
                  customer_id: int | None = None) -> Customer:
    """Admin: create a customer (no `customer_id`) or change one; every change is audited."""
    require_admin(actor)
    values = _checked_customer(db, data, customer_id)
    if customer_id is None:
        customer = Customer(**values)  # type: ignore[arg-type]
        changes = {key: str(value) for key, value in values.items() if value}
    else:
        found = db.get(Customer, customer_id)
        if found is None:
            raise NotFound("No such customer.")
        customer = found
        changes = {key: str(value) for key, value in values.items() if getattr(customer, key) != value}
        for key, value in values.items():
            setattr(customer, key, value)
    db.add(customer)
    db.flush()
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_CUSTOMER_CREATE if customer_id is None else AuditAction.ADMIN_CUSTOMER_UPDATE,
                 AuditOutcome.SUCCESS, principal=actor, customer_id=customer.id, object_type="customer", object_id=customer.id,
                 details={key: value[:200] for key, value in changes.items()})
    return customer


def set_customer_active(db: Session, runtime: Runtime, actor: Principal, customer_id: int, active: bool) -> int:
    """Admin: disable a customer (its users are signed out now and cannot sign in) or enable it.
    Returns how many sessions ended."""
    require_admin(actor)
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    customer.is_active = active
    db.add(customer)
    ended = 0
    if not active:
        for user_id in db.exec(select(col(User.id)).where(col(User.customer_id) == customer_id)).all():
            ended += revoke_user_sessions(db, user_id, "customer_disabled")  # type: ignore[arg-type]
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_CUSTOMER_ENABLE if active else AuditAction.ADMIN_CUSTOMER_DISABLE, AuditOutcome.SUCCESS,
                 principal=actor, customer_id=customer_id, object_type="customer", object_id=customer_id,
                 details={"sessions_ended": ended})
    return ended


def invite_owner(db: Session, runtime: Runtime, actor: Principal, customer_id: int, *, email: str,
                 display_name: str = "") -> IssuedInvitation:
    """Admin: create the customer's owner account (or renew the link of one who has not accepted
    yet) and return a one-time enrolment link that expires after PORTAL_INVITATION_DAYS."""
    require_admin(actor)
    customer = db.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    if not customer.is_active:
        raise InvalidInput("Enable the customer before inviting its owner.")
    email = invitee_email(email)
    user = db.exec(select(User).where(col(User.email) == email)).first()
    renewed = user is not None
    if user is not None:
        renewable = (user.customer_id == customer_id and user.role == Role.OWNER
                     and user.password_hash == UNUSABLE_PASSWORD and user.is_active)
        if not renewable:
            raise InvalidInput("This e-mail address already has an account.")
    else:
        tier = db.get(Tier, customer.tier_id)
        if tier is not None and active_users(db, customer_id) >= tier.max_users:
            raise LimitExceeded(f"The {tier.name} tier allows {tier.max_users} users and all are taken.")
        user = add_invited_user(db, customer_id, Role.OWNER, email, display_name)
    invitation = issue_invitation(db, runtime, user, actor.user_id)
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_OWNER_INVITE, AuditOutcome.SUCCESS, principal=actor, customer_id=customer_id,
                 object_type="user", object_id=user.id, details={"renewed": renewed})
    return invitation


def list_tiers(db: Session, actor: Principal) -> list[TierRow]:
    """Every tier with how many customers are on it."""
    require_staff(actor)
    counts = dict(db.exec(select(col(Customer.tier_id), func.count()).group_by(col(Customer.tier_id))).all())
    return [TierRow(name=tier.name, history_months=tier.history_months, can_download_pdf=tier.can_download_pdf,
                    can_export_csv=tier.can_export_csv, max_export_invoices=tier.max_export_invoices,
                    exports_per_hour=tier.exports_per_hour, max_users=tier.max_users,
                    email_notifications=tier.email_notifications, id=tier.id,  # type: ignore[arg-type]
                    customers=counts.get(tier.id, 0))  # type: ignore[arg-type]
            for tier in db.exec(select(Tier).order_by(col(Tier.name))).all()]


def save_tier(db: Session, runtime: Runtime, actor: Principal, data: TierInput, tier_id: int | None = None) -> Tier:
    """Admin: create or change a tier. Its customers' users get the new limits on their next request."""
    require_admin(actor)
    name = data.name.strip()
    if not name or len(name) > 64:
        raise InvalidInput("Give the tier a name (up to 64 characters).")
    if data.history_months is not None and not 1 <= data.history_months <= 1200:
        raise InvalidInput("History is 1 to 1200 months, or empty for the whole history.")
    for label, number, low in (("Bulk export size", data.max_export_invoices, 0),
                               ("Exports per hour", data.exports_per_hour, 0), ("Users per account", data.max_users, 1)):
        if not low <= number <= 1_000_000:
            raise InvalidInput(f"{label} must be a whole number from {low} to 1,000,000.")
    taken = db.exec(select(col(Tier.id)).where(func.lower(col(Tier.name)) == name.lower())).first()
    if taken is not None and taken != tier_id:
        raise InvalidInput(f"A tier named {name} exists already.")
    if tier_id is None:
        tier = Tier(name=name)
    else:
        found = db.get(Tier, tier_id)
        if found is None:
            raise NotFound("No such tier.")
        tier = found
    values: dict[str, str | int | bool | None] = {
        "name": name, "history_months": data.history_months, "can_download_pdf": data.can_download_pdf,
        "can_export_csv": data.can_export_csv, "max_export_invoices": data.max_export_invoices,
        "exports_per_hour": data.exports_per_hour, "max_users": data.max_users,
        "email_notifications": data.email_notifications}
    changes = {key: value for key, value in values.items() if tier_id is None or getattr(tier, key) != value}
    for key, value in values.items():
        setattr(tier, key, value)
    db.add(tier)
    db.flush()
    record_audit(db, runtime.secret_key, AuditAction.ADMIN_TIER_CREATE if tier_id is None else AuditAction.ADMIN_TIER_UPDATE, AuditOutcome.SUCCESS,
                 principal=actor, object_type="tier", object_id=tier.id,
                 details={key: value if isinstance(value, bool | int) or value is None else str(value)
                          for key, value in changes.items()})
    return tier
