"""Who may sign in: tiers, customer companies, users, their sessions and recovery codes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from data.base import metadata  # noqa: F401  (naming convention before any table)
from data.types import Role, UTCDateTime, enum_column, utcnow


class Tier(SQLModel, table=True):
    """A subscription tier: what its customers may do and how much."""

    __tablename__ = "tier"
    __table_args__ = (
        sa.CheckConstraint("history_months IS NULL OR history_months > 0", name="history_positive"),
        sa.CheckConstraint("max_export_invoices >= 0", name="export_size_not_negative"),
        sa.CheckConstraint("exports_per_hour >= 0", name="exports_per_hour_not_negative"),
        sa.CheckConstraint("max_users > 0", name="max_users_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    history_months: int | None = Field(default=None, description="visible history; NULL = all")
    can_download_pdf: bool = True
    can_export_csv: bool = True
    max_export_invoices: int = 1000
    exports_per_hour: int = 5
    max_users: int = 5
    email_notifications: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Customer(SQLModel, table=True):
    """A customer company whose users see its invoices."""

    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=64, unique=True, description="the customer number in the ledger")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    address: str = Field(default="", max_length=1000)
    country: str | None = Field(default=None, max_length=2)
    tax_id: str | None = Field(default=None, max_length=64)
    tier_id: int = Field(foreign_key="tier.id", index=True)
    is_active: bool = True
    portal_adopted_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="first login of any of its users"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    """A person who signs in: a customer's owner, accountant or viewer, or staff."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('admin', 'support') AND customer_id IS NULL)"
            " OR (role IN ('owner', 'accountant', 'viewer') AND customer_id IS NOT NULL)",
            name="staff_have_no_customer",
        ),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=512)
    role: Role = Field(sa_type=enum_column(Role))
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    totp_secret_encrypted: str | None = Field(default=None, max_length=512)
    totp_last_step: int | None = None
    mfa_enrolled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_active: bool = True
    locale: str | None = Field(default=None, max_length=35)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RecoveryCode(SQLModel, table=True):
    """One single-use MFA recovery code, stored only as a hash."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginSession(SQLModel, table=True):
    """A server-side session. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "login_session"
    __table_args__ = (
        sa.Index("ix_login_session_user_active", "user_id", "revoked_at"),
        sa.CheckConstraint("mfa_failures >= 0", name="mfa_failures_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    mfa_passed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mfa_failures: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=32)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=512)
    # Encrypted, short-lived: the secret being enrolled, and new recovery codes until shown once.
    pending_totp_secret: str | None = Field(default=None, max_length=512)
    pending_recovery_codes: str | None = Field(default=None, max_length=2048)


class Invitation(SQLModel, table=True):
    """A one-time link that lets an invited user set a password; only the token's hash is stored."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    # The invited account; None for an address that has an account elsewhere already: the owner
    # sees the invitation like any other (no hint that the address is known), it just cannot be
    # accepted, and the fields below say what it was for.
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="CASCADE")
    email: str | None = Field(default=None, max_length=320)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True, ondelete="CASCADE")
    role: Role | None = Field(default=None, sa_type=enum_column(Role))
    display_name: str | None = Field(default=None, max_length=200)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # accepted, replaced or withdrawn
