"""One module per customer screen, and the staff console in `pages.staff`. `register_pages` binds each to
its path (called once per app start). Pages import web, components and services; never routes, and of data only the enums in
`data.types`."""

from nicegui import ui

from pages import (
    dashboard,
    export,
    invitation,
    invoice,
    login,
    recovery_codes,
    second_factor,
    settings,
    team,
    verify,
)
from pages.staff import audit, customers, ledger, metrics, overview, questions, tiers, users


def register_pages() -> None:
    """Register every page route on the NiceGUI app."""
    ui.page("/login", title="Sign in")(login.login_page)
    ui.page("/login/mfa", title="Two-step verification")(second_factor.mfa_page)
    ui.page("/login/enroll", title="Set up two-step verification")(second_factor.enroll_page)
    ui.page("/account/recovery-codes", title="Recovery codes")(recovery_codes.recovery_codes_page)
    ui.page("/settings", title="Settings")(settings.settings_page)
    ui.page("/team", title="Team")(team.team_page)
    ui.page("/verify", title="Verify a document")(verify.verify_page)
    ui.page("/export", title="Export")(export.export_page)
    ui.page("/invite/{token}", title="Accept invitation")(invitation.invitation_page)
    ui.page("/", title="Invoices")(dashboard.dashboard_page)
    ui.page("/admin", title="Staff console")(overview.overview_page)
    ui.page("/admin/customers", title="Customers")(customers.customers_page)
    ui.page("/admin/users", title="Users")(users.users_page)
    ui.page("/admin/tiers", title="Tiers")(tiers.tiers_page)
    ui.page("/admin/audit", title="Audit trail")(audit.audit_page)
    ui.page("/admin/ledger", title="Ledger sync")(ledger.ledger_page)
    ui.page("/admin/metrics", title="Metrics")(metrics.metrics_page)
    ui.page("/admin/questions", title="Billing questions")(questions.questions_page)
    ui.page("/invoices/{invoice_id}", title="Invoice")(invoice.invoice_page)
