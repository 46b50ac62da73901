"""Small factories that build valid rows with sensible defaults; override what a test is about."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session

from data import Customer, Invoice, InvoiceLine, InvoiceStatus, Role, Tier, User, Vendor, utcnow
from services.auth.passwords import hash_password
from services.auth.totp import seal_secret
from services.money import line_amounts
from services.principal import Principal
from tests.clock import days

_counter = itertools.count(1)
TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # the conftest settings use it


def principal_for(user: User, session_id: int = 0) -> Principal:
    """The principal a signed-in `user` acts as (for service tests that need no real session)."""
    return Principal(user_id=user.id, session_id=session_id, session_hash="0" * 64, email=user.email,  # type: ignore[arg-type]
                     display_name=user.display_name, role=user.role, customer_id=user.customer_id)


class Factory:
    """Creates rows in the test's session; each call flushes so ids are known."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._password_hash: str | None = None

    def _add(self, row):  # type: ignore[no-untyped-def]
        self.session.add(row)
        self.session.flush()
        return row

    def tier(self, **fields) -> Tier:  # type: ignore[no-untyped-def]
        return self._add(Tier(**({"name": f"Tier {next(_counter)}"} | fields)))

    def customer(self, **fields) -> Customer:  # type: ignore[no-untyped-def]
        n = next(_counter)
        if "tier_id" not in fields:
            fields["tier_id"] = self.tier().id
        return self._add(Customer(**({"ref": f"C-T{n:05d}", "name": f"Customer {n}"} | fields)))

    def vendor(self, **fields) -> Vendor:  # type: ignore[no-untyped-def]
        n = next(_counter)
        return self._add(Vendor(**({"code": f"V{n}", "name": f"Vendor {n}"} | fields)))

    def user(self, *, role: Role = Role.OWNER, customer: Customer | None = None, mfa_secret: str | None = None,
             **fields) -> User:  # type: ignore[no-untyped-def]
        """A user with TEST_PASSWORD; with `mfa_secret` already enrolled in TOTP."""
        if self._password_hash is None:
            self._password_hash = hash_password(TEST_PASSWORD)
        if customer is None and not role.is_staff:
            customer = self.customer()
        n = next(_counter)
        if mfa_secret is not None:
            fields |= {"totp_secret_encrypted": seal_secret(TEST_SECRET_KEY, mfa_secret), "mfa_enrolled_at": utcnow()}
        return self._add(User(**({"email": f"user{n}@example.com", "password_hash": self._password_hash,
                                  "role": role, "customer_id": customer.id if customer else None} | fields)))

    def invoice(self, *, customer: Customer | None = None, vendor: Vendor | None = None,
                lines: list[tuple[str, str, int, str]] | None = None, **fields) -> Invoice:  # type: ignore[no-untyped-def]
        """An issued invoice; `lines` are (description, quantity, unit price in minor units, tax %)."""
        customer = customer or self.customer()
        vendor = vendor or self.vendor()
        n = next(_counter)
        number = fields.pop("number", f"INV-{n:06d}")
        issue_date = fields.pop("issue_date", days(-10))  # due in 20 days: "issued" is true
        amounts = [line_amounts(Decimal(q), price, Decimal(rate)) for _d, q, price, rate in
                   (lines or [("Consulting", "2", 10_000, "19")])]
        invoice = self._add(Invoice(**({
            "external_id": f"ext-{n}", "number": number, "number_key": number.lower(),
            "vendor_id": vendor.id, "customer_id": customer.id, "issue_date": issue_date,
            "due_date": issue_date + timedelta(days=30), "currency": "EUR",
            "subtotal_minor": sum(a[0] for a in amounts), "tax_minor": sum(a[1] for a in amounts),
            "total_minor": sum(a[2] for a in amounts), "status": InvoiceStatus.ISSUED} | fields)))
        for position, ((description, quantity, price, rate), (net, tax, total)) in enumerate(
                zip(lines or [("Consulting", "2", 10_000, "19")], amounts), start=1):
            self._add(InvoiceLine(invoice_id=invoice.id, position=position, description=description,
                                  quantity=Decimal(quantity), unit_price_minor=price, tax_rate=Decimal(rate),
                                  net_minor=net, tax_minor=tax, total_minor=total))
        return invoice

