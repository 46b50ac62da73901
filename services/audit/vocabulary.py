"""What the audit trail says: every action it records and the three outcomes. Stored as their
string values, so rows written before these names existed read the same."""

from __future__ import annotations

from enum import StrEnum


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class AuditAction(StrEnum):
    # signing in and out, and a user's own account
    LOGIN_PASSWORD = "login.password"
    LOGIN_MFA = "login.mfa"
    LOGIN_SUCCESS = "login.success"
    LOGIN_LOCKED = "login.locked"
    LOGOUT = "logout"
    MFA_ENROLL = "mfa.enroll"
    MFA_RECOVERY_CODES = "mfa.recovery_codes"
    PASSWORD_CHANGE = "password.change"
    SESSION_REVOKE_OTHERS = "session.revoke_others"
    # a customer's team
    TEAM_INVITE = "team.invite"
    TEAM_INVITE_ACCEPTED = "team.invite_accepted"
    TEAM_REMOVE = "team.remove"
    # invoices, documents and exports
    DASHBOARD_VIEW = "dashboard.view"
    INVOICE_VIEW = "invoice.view"
    INVOICE_DOWNLOAD = "invoice.download"
    INVOICE_EXPORT = "invoice.export"
    EXPORT_DOWNLOAD = "export.download"
    EXPORT_REFUSED = "export.refused"
    DOCUMENT_VERIFY = "document.verify"
    SUPPORT_REQUEST = "support.request"
    SUPPORT_STATUS = "support.status"
    # the access monitor
    MONITOR_ALERT = "monitor.alert"
    MONITOR_RESOLVE = "monitor.resolve"
    # staff
    ADMIN_CUSTOMER_CREATE = "admin.customer_create"
    ADMIN_CUSTOMER_UPDATE = "admin.customer_update"
    ADMIN_CUSTOMER_DISABLE = "admin.customer_disable"
    ADMIN_CUSTOMER_ENABLE = "admin.customer_enable"
    ADMIN_OWNER_INVITE = "admin.owner_invite"
    ADMIN_TIER_CREATE = "admin.tier_create"
    ADMIN_TIER_UPDATE = "admin.tier_update"
    ADMIN_USER_LOCK = "admin.user_lock"
    ADMIN_USER_UNLOCK = "admin.user_unlock"
    ADMIN_USER_DISABLE = "admin.user_disable"
    ADMIN_USER_ENABLE = "admin.user_enable"
    ADMIN_MFA_RESET = "admin.mfa_reset"
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"
    LEDGER_REPLAY = "ledger.replay"
