"""Believable demo data: customers from Munich to Tokyo, their invoices, lines and payments.

Deterministic for a seed and an as-of date. Rows are written with bulk inserts in batches so a
million invoices load in minutes on SQLite.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from data import (
    Customer,
    Invoice,
    InvoiceStatus,
    NotificationKind,
    NotificationPreference,
    PaymentMethod,
    PaymentStatus,
    Role,
    SupportRequest,
    Tier,
    User,
    Vendor,
    metadata,
)
from data.db import advance_id_sequences
from services.auth.passwords import hash_password
from services.demo.activity import write_demo_activity
from services.demo.options import DemoOptions
from services.invoices.status import derive_status
from services.live_events import LiveEvent
from services.money import line_amounts
from services.notifications.alerts import notify_invoice_changes

BATCH_SIZE = 5_000
DEMO_SOURCE = "ledger"  # as if pushed by the ledger: the simulated engine keeps updating them


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: Role
    customer: str | None


@dataclass
class DemoSummary:
    """What was loaded, and who can sign in."""

    logins: list[DemoLogin]
    customers: int = 0
    invoices: int = 0
    lines: int = 0
    payments: int = 0


# name, e-mail domain, country, currency, tax rate, address
NAMED_CUSTOMERS: list[tuple[str, str, str, str, str, str]] = [
    ("Müller GmbH", "mueller.example", "DE", "EUR", "19", "Schillerstraße 12\n80336 München\nDeutschland"),
    ("Łódź Logistyka Sp. z o.o.", "lodz-logistyka.example", "PL", "PLN", "23", "ul. Piotrkowska 104\n90-926 Łódź\nPolska"),
    ("東京トレーディング株式会社", "tokyo-trading.example", "JP", "JPY", "10", "東京都千代田区丸の内1-1\n100-0005 東京\n日本"),
    ("Ελληνική Ναυτιλία Α.Ε.", "naftilia.example", "GR", "EUR", "24", "Ακτή Μιαούλη 15\n185 35 Πειραιάς\nΕλλάδα"),
    ("Москва Импорт ООО", "moskva-import.example", "RU", "RUB", "20", "ул. Тверская 7\n125009 Москва\nРоссия"),
    ("Café Olé S.L.", "cafeole.example", "ES", "EUR", "21", "Carrer de Mallorca 401\n08013 Barcelona\nEspaña"),
    ("Brightwater Analytics Ltd", "brightwater.example", "GB", "GBP", "20", "14 Queen Street\nEdinburgh EH2 1JX\nUnited Kingdom"),
    ("Säntis Präzision AG", "saentis.example", "CH", "CHF", "8.1", "Bahnhofstrasse 21\n8001 Zürich\nSchweiz"),
    ("Göteborgs Kaffe AB", "gbg-kaffe.example", "SE", "SEK", "25", "Kungsportsavenyen 10\n411 36 Göteborg\nSverige"),
    ("Acme Widgets Inc.", "acme-widgets.example", "US", "USD", "0", "500 Market Street\nSan Francisco, CA 94105\nUSA"),
    ("Société Générale de Réseaux", "sgr.example", "FR", "EUR", "20", "8 rue de Rivoli\n75004 Paris\nFrance"),
    ("Bengaluru Software Pvt Ltd", "blr-software.example", "IN", "INR", "18", "80 MG Road\nBengaluru 560001\nIndia"),
]

NAME_PARTS_A = ["Nord", "Süd", "Alpen", "Baltic", "Atlas", "Helios", "Kraków", "Aurora", "Delta", "Ñandú", "Fjord", "Zenith"]
NAME_PARTS_B = ["Handel", "Systems", "Logistics", "Medien", "Foods", "Energie", "Robotics", "Design", "Bau", "Textil"]
NAME_SUFFIXES = ["GmbH", "Ltd", "AG", "S.A.", "B.V.", "Oy", "Kft.", "SE", "Inc.", "S.r.l."]

VENDORS: list[tuple[str, str, str, list[tuple[str, str, int, int]]]] = [
    # code, name, payment instructions, catalogue of (description, unit, min price, max price) in cents
    ("NCS", "Northwind Cloud Services", "IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX", [
        ("Cloud compute, vCPU-hours", "h", 3, 9),
        ("Object storage, GB-months", "GB", 2, 4),
        ("Managed PostgreSQL, db-hours", "h", 18, 40),
        ("Data egress, GB", "GB", 5, 9),
    ]),
    ("NHW", "Northwind Hardware", "IBAN DE12 5001 0517 0648 4898 90 · BIC INGDDEFFXXX", [
        ("Rack server R740, refurbished", "pc", 180_000, 260_000),
        ("Spezialkabel CAT7, 5 m", "pc", 1_200, 2_400),
        ("SSD 3.84 TB enterprise", "pc", 38_000, 52_000),
        ("Shipping and handling", "", 1_500, 4_900),
    ]),
    ("NCO", "Northwind Consulting", "IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001", [
        ("Solution architecture workshop", "day", 120_000, 160_000),
        ("Migration engineering", "h", 11_000, 15_000),
        ("Travel expenses (at cost)", "", 8_000, 60_000),
    ]),
    ("NSP", "Northwind Support", "IBAN DE75 5121 0800 1245 1261 99 · BIC SOGEDEFFXXX", [
        ("Support plan Premium, monthly", "mo", 49_000, 49_000),
        ("Support plan Business, monthly", "mo", 19_000, 19_000),
        ("Incident response, after hours", "h", 18_000, 22_000),
    ]),
]

TIERS = [
    Tier(name="Basic", history_months=12, can_download_pdf=True, can_export_csv=False, max_export_invoices=100,
         exports_per_hour=2, max_users=3, email_notifications=False),
    Tier(name="Business", history_months=36, can_download_pdf=True, can_export_csv=True, max_export_invoices=2_000,
         exports_per_hour=10, max_users=10, email_notifications=True),
    Tier(name="Enterprise", history_months=None, can_download_pdf=True, can_export_csv=True,
         max_export_invoices=50_000, exports_per_hour=30, max_users=100, email_notifications=True),
]

TERMS = ["Net 14", "Net 30", "Net 30", "Net 45", "Due on receipt"]
TERM_DAYS = {"Net 14": 14, "Net 30": 30, "Net 45": 45, "Due on receipt": 0}
CUSTOMER_ROLES = [Role.OWNER, Role.ACCOUNTANT, Role.VIEWER]
USERS_FOR_FIRST_CUSTOMERS = 3


def database_has_customers(session: Session) -> bool:
    """True when any customer exists (demo data is loaded only into an empty portal)."""
    return session.exec(select(func.count()).select_from(Customer)).one() > 0


def demo_logins(session: Session) -> list[DemoLogin]:
    """The demo's sign-ins that exist in this database (users on the demo's .example domains)."""
    rows = session.exec(
        select(col(User.email), col(User.role), col(Customer.name))
        .outerjoin(Customer, col(Customer.id) == col(User.customer_id))
        .where(col(User.email).like("%.example"))
        .order_by(col(User.id))
    ).all()
    return [DemoLogin(email, Role(role), customer) for email, role, customer in rows]


def load_demo(engine: sa.Engine, options: DemoOptions, secret_key: str | None = None) -> DemoSummary:
    """Write the demo portal into an empty database; refuse if customers already exist. With the
    portal's `secret_key`, a history of sign-ins and invoice views goes into the audit trail too."""
    if options.customers < 1 or options.invoices < 0:
        raise ValueError("need at least one customer and a non-negative number of invoices")
    rng = random.Random(options.seed)
    with Session(engine) as session:
        if database_has_customers(session):
            raise RuntimeError("the database already holds customers; demo data goes into an empty portal")
    created_at = datetime.combine(options.as_of, time(6, 0), tzinfo=timezone.utc)
    with engine.begin() as connection:
        tier_ids = _insert_tiers(connection, created_at)
        vendor_ids = _insert_vendors(connection, created_at)
        customers = _insert_customers(connection, rng, options, tier_ids, created_at)
        summary = DemoSummary(logins=_insert_users(connection, options, customers, created_at))
        summary.customers = len(customers)
        _insert_support_requests(connection, rng, customers, options.as_of)
    _insert_invoices(engine, rng, options, customers, vendor_ids, summary)
    _welcome_notifications(engine)
    write_demo_activity(engine, options, secret_key)
    return summary


WELCOME_UNREAD = 3  # a demo user's bell starts with the newest few invoices, not empty and not full


def _welcome_notifications(engine: sa.Engine) -> None:
    """Announce each customer's newest invoices to its users, as the ledger would have."""
    with Session(engine) as db:
        customer_ids = db.exec(select(col(User.customer_id)).where(col(User.customer_id).is_not(None)).distinct()).all()
        news, amounts = [], {}
        for customer_id in customer_ids:
            newest = db.exec(select(Invoice).where(col(Invoice.customer_id) == customer_id,
                                                   col(Invoice.status) != InvoiceStatus.DRAFT)
                             .order_by(col(Invoice.issue_date).desc(), col(Invoice.id).desc()).limit(WELCOME_UNREAD)).all()
            for invoice in reversed(newest):
                assert invoice.id is not None and customer_id is not None
                news.append(LiveEvent(customer_id, invoice.id, invoice.number, "new_invoice", invoice.status, None))
                amounts[invoice.id] = (invoice.total_minor, invoice.currency)
        notify_invoice_changes(db, news, amounts)
        db.commit()


@dataclass(frozen=True)
class _DemoCustomer:
    id: int
    name: str
    domain: str
    currency: str
    tax_rate: Decimal
    adopted_at: datetime


def _insert_tiers(connection: sa.Connection, created_at: datetime) -> dict[str, int]:
    rows = [tier.model_dump(exclude={"id"}) | {"created_at": created_at} for tier in TIERS]
    connection.execute(sa.insert(Tier), rows)
    return dict(connection.execute(sa.select(col(Tier.name), col(Tier.id))).all())  # type: ignore[arg-type]  # ids read back are never None


def _insert_vendors(connection: sa.Connection, created_at: datetime) -> list[int]:
    rows = [
        {"code": code, "name": name, "payment_instructions": instructions, "country": "DE",
         "address": "Hafenstraße 1\n20457 Hamburg\nDeutschland", "tax_id": f"DE{123456780 + index}",
         "email": f"billing-{code.lower()}@northwind.example", "created_at": created_at}
        for index, (code, name, instructions, _catalogue) in enumerate(VENDORS)
    ]
    connection.execute(sa.insert(Vendor), rows)
    by_code = dict(connection.execute(sa.select(col(Vendor.code), col(Vendor.id))).all())
    return [by_code[code] for code, *_rest in VENDORS]  # type: ignore[misc]  # ids read back are never None


def _customer_profile(index: int, rng: random.Random) -> tuple[str, str, str, str, str, str]:
    if index < len(NAMED_CUSTOMERS):
        return NAMED_CUSTOMERS[index]
    base = NAMED_CUSTOMERS[index % len(NAMED_CUSTOMERS)]
    name = f"{rng.choice(NAME_PARTS_A)} {rng.choice(NAME_PARTS_B)} {rng.choice(NAME_SUFFIXES)}"
    return (f"{name} #{index + 1}", f"customer{index + 1}.example", *base[2:])


def _insert_customers(
    connection: sa.Connection, rng: random.Random, options: DemoOptions, tier_ids: dict[str, int],
    created_at: datetime,
) -> list[_DemoCustomer]:
    tier_names = ["Enterprise", "Business", "Basic"]
    profiles = [_customer_profile(index, rng) for index in range(options.customers)]
    adoption = [created_at - timedelta(days=rng.randint(30, 400)) for _ in profiles]
    rows = [
        {"ref": f"C-{index + 1:06d}", "name": name, "email": f"accounts@{domain}", "address": address,
         "country": country, "tax_id": f"{country}{rng.randint(10**8, 10**9 - 1)}",
         "tier_id": tier_ids[tier_names[index % 3]], "is_active": True,
         "portal_adopted_at": adoption[index], "created_at": created_at - timedelta(days=1500)}
        for index, (name, domain, country, _currency, _rate, address) in enumerate(profiles)
    ]
    for batch in _batches(rows):
        connection.execute(sa.insert(Customer), batch)
    ids = connection.execute(sa.select(col(Customer.id)).order_by(col(Customer.ref))).scalars().all()
    return [
        _DemoCustomer(id=customer_id, name=name, domain=domain, currency=currency, tax_rate=Decimal(rate),  # type: ignore[arg-type]  # ids read back are never None
                      adopted_at=adoption[index])
        for index, (customer_id, (name, domain, _country, currency, rate, _address)) in enumerate(zip(ids, profiles))
    ]


def _insert_users(
    connection: sa.Connection, options: DemoOptions, customers: list[_DemoCustomer], created_at: datetime
) -> list[DemoLogin]:
    # One hash for every demo user: argon2 is deliberately slow, and they share the password.
    password_hash = hash_password(options.password)
    logins = [DemoLogin("admin@portal.example", Role.ADMIN, None),
              DemoLogin("support@portal.example", Role.SUPPORT, None)]
    customer_ids: dict[str, int | None] = {login.email: None for login in logins}
    names = {"admin@portal.example": "Ada Admin", "support@portal.example": "Sam Support"}
    for customer in customers[:USERS_FOR_FIRST_CUSTOMERS]:
        for role in CUSTOMER_ROLES:
            email = f"{role.value}@{customer.domain}"
            logins.append(DemoLogin(email, role, customer.name))
            customer_ids[email] = customer.id
            names[email] = f"{role.value.title()} of {customer.name}"
    rows = [
        {"email": login.email, "display_name": names[login.email], "password_hash": password_hash,
         "role": login.role, "customer_id": customer_ids[login.email], "created_at": created_at,
         "password_changed_at": created_at, "failed_logins": 0, "is_active": True}
        for login in logins
    ]
    connection.execute(sa.insert(User), rows)
    user_ids = connection.execute(sa.select(col(User.id), col(User.role))).all()
    preferences = []
    for user_id, role in user_ids:
        if Role(role).is_staff:
            continue
        preferences.append({"user_id": user_id, "kind": NotificationKind.NEW_INVOICE, "in_app": True,
                            "email": role == Role.OWNER})
        preferences.append({"user_id": user_id, "kind": NotificationKind.PAYMENT_STATUS, "in_app": True,
                            "email": False})
    if preferences:
        connection.execute(sa.insert(NotificationPreference), preferences)
    return logins


def _insert_support_requests(
    connection: sa.Connection, rng: random.Random, customers: list[_DemoCustomer], as_of: date
) -> None:
    subjects = ["Question about an invoice", "Please resend the PDF", "Payment not shown yet",
                "Wrong billing address", "Need all invoices of last year"]
    rows = []
    for customer in customers[:200]:
        for _ in range(rng.randint(2, 8)):
            created = datetime.combine(as_of - timedelta(days=rng.randint(1, 700)), time(9, 30), tzinfo=timezone.utc)
            rows.append({"customer_id": customer.id, "subject": rng.choice(subjects),
                         "message": "Sent by e-mail before the portal existed." if created < customer.adopted_at
                         else "Asked through the portal.",
                         "status": "closed", "channel": "email" if created < customer.adopted_at else "portal",
                         "created_at": created, "closed_at": created + timedelta(days=2)})
    for batch in _batches(rows):
        connection.execute(sa.insert(SupportRequest), batch)


def _invoice_counts(rng: random.Random, options: DemoOptions) -> list[int]:
    # The first customer is a heavy one (about 2% of all invoices once there are many customers),
    # so there is always one account with a long history to search through.
    weights = [max(1.0, options.customers / 50)] + [rng.uniform(0.5, 1.5) for _ in range(options.customers - 1)]
    total = sum(weights)
    counts = [int(options.invoices * weight / total) for weight in weights]
    counts[0] += options.invoices - sum(counts)
    return counts


def _insert_invoices(
    engine: sa.Engine, rng: random.Random, options: DemoOptions, customers: list[_DemoCustomer],
    vendor_ids: list[int], summary: DemoSummary,
) -> None:
    invoice_table, line_table, payment_table = (metadata.tables[name] for name in ("invoice", "invoice_line", "payment"))
    counts = _invoice_counts(rng, options)
    # Explicit ids let lines and payments point at their invoice without a round trip per row.
    next_invoice_id, next_line_id, next_payment_id = 1, 1, 1
    vendor_sequence = [0] * len(VENDORS)
    invoices: list[dict] = []
    lines: list[dict] = []
    payments: list[dict] = []

    def flush(connection: sa.Connection) -> None:
        connection.execute(sa.insert(invoice_table), invoices)
        if lines:
            connection.execute(sa.insert(line_table), lines)
        if payments:
            connection.execute(sa.insert(payment_table), payments)
        invoices.clear()
        lines.clear()
        payments.clear()

    span_days = min(5 * 365, max(365, options.invoices // max(1, options.customers) // 2))
    with engine.begin() as connection:
        for customer, count in zip(customers, counts):
            for issue_date in _issue_dates(rng, options.as_of, span_days, count):
                vendor_index = rng.randrange(len(VENDORS))
                vendor_sequence[vendor_index] += 1
                vendor_code, _name, _instructions, catalogue = VENDORS[vendor_index]
                number = f"{vendor_code}-{issue_date.year}-{vendor_sequence[vendor_index]:07d}"
                invoice_id = next_invoice_id
                next_invoice_id += 1
                invoice_lines = _lines(rng, catalogue, customer, invoice_id, next_line_id)
                next_line_id += len(invoice_lines)
                lines.extend(invoice_lines)
                subtotal = sum(line["net_minor"] for line in invoice_lines)
                tax = sum(line["tax_minor"] for line in invoice_lines)
                total = subtotal + tax
                terms = rng.choice(TERMS)
                due_date = issue_date + timedelta(days=TERM_DAYS[terms])
                invoice_payments, paid, status = _payments(rng, options.as_of, issue_date, due_date, total,
                                                           customer.currency, invoice_id, next_payment_id)
                next_payment_id += len(invoice_payments)
                payments.extend(invoice_payments)
                stamp = datetime.combine(issue_date, time(8, 0), tzinfo=timezone.utc)
                invoices.append({
                    "id": invoice_id, "source": DEMO_SOURCE, "external_id": f"demo-{invoice_id}",
                    "number": number, "number_key": number.lower(), "vendor_id": vendor_ids[vendor_index],
                    "customer_id": customer.id, "issue_date": issue_date, "due_date": due_date,
                    "currency": customer.currency, "subtotal_minor": subtotal, "tax_minor": tax,
                    "total_minor": total, "amount_paid_minor": paid, "status": status, "terms": terms,
                    "notes": "", "version": 1, "created_at": stamp, "updated_at": stamp,
                })
                if len(invoices) >= BATCH_SIZE:
                    flush(connection)
            summary.invoices += count
        if invoices:
            flush(connection)
        advance_id_sequences(connection, ["invoice", "invoice_line", "payment"])
    summary.lines = next_line_id - 1
    summary.payments = next_payment_id - 1


def _issue_dates(rng: random.Random, as_of: date, span_days: int, count: int) -> list[date]:
    return sorted(as_of - timedelta(days=rng.randrange(span_days)) for _ in range(count))


def _lines(
    rng: random.Random, catalogue: list[tuple[str, str, int, int]], customer: _DemoCustomer, invoice_id: int,
    first_line_id: int,
) -> list[dict]:
    rows = []
    for position in range(1, rng.choice((1, 2, 2, 3, 3, 4, 5, 6)) + 1):
        description, unit, low, high = rng.choice(catalogue)
        quantity = Decimal(rng.randint(1, 40)) if unit in ("pc", "mo", "day", "") else Decimal(rng.randint(100, 90_000)) / 100
        # Catalogue prices are in EUR cents; scale roughly into the customer's currency.
        unit_price = rng.randint(low, high) * _PRICE_SCALE.get(customer.currency, 1) // _PRICE_DIVISOR.get(customer.currency, 1)
        net, tax, total = line_amounts(quantity, unit_price, customer.tax_rate)
        rows.append({"id": first_line_id + position - 1, "invoice_id": invoice_id, "position": position,
                     "description": description, "quantity": quantity, "unit": unit, "unit_price_minor": unit_price,
                     "tax_rate": customer.tax_rate, "net_minor": net, "tax_minor": tax, "total_minor": total})
    return rows


_PRICE_SCALE = {"PLN": 4, "RUB": 95, "SEK": 11, "INR": 90, "JPY": 160}
_PRICE_DIVISOR = {"JPY": 100}  # JPY has no minor unit


def _payments(
    rng: random.Random, as_of: date, issue_date: date, due_date: date, total: int, currency: str,
    invoice_id: int, first_payment_id: int,
) -> tuple[list[dict], int, InvoiceStatus]:
    age = (as_of - issue_date).days
    roll = rng.random()
    if roll < 0.004:
        return [], 0, InvoiceStatus.DRAFT
    if roll < 0.02:
        return [], 0, InvoiceStatus.VOID
    rows: list[dict] = []
    method = rng.choice(list(PaymentMethod))

    def pay(amount: int, days_after_issue: int, status: PaymentStatus) -> None:
        received = datetime.combine(issue_date + timedelta(days=days_after_issue), time(14, 0), tzinfo=timezone.utc)
        rows.append({"id": first_payment_id + len(rows), "source": DEMO_SOURCE,
                     "external_id": f"demo-pay-{first_payment_id + len(rows)}", "invoice_id": invoice_id,
                     "amount_minor": amount, "currency": currency, "method": method, "status": status,
                     "reference": f"RF{invoice_id:09d}", "received_at": received, "created_at": received})

    settled_after = rng.randint(3, 50)
    if total > 0 and roll < 0.03 and age > 60:
        pay(total, min(settled_after, age), PaymentStatus.REFUNDED)
        return rows, 0, InvoiceStatus.REFUNDED
    paid = 0
    if total > 0 and age >= settled_after and rng.random() < 0.92:
        if rng.random() < 0.15:
            first = max(1, total * rng.randint(20, 70) // 100)
            pay(first, settled_after // 2, PaymentStatus.SUCCEEDED)
            paid = first
            if rng.random() < 0.7:
                pay(total - first, settled_after, PaymentStatus.SUCCEEDED)
                paid = total
        else:
            if method == PaymentMethod.CARD and rng.random() < 0.2:
                pay(total, max(0, settled_after - 2), PaymentStatus.FAILED)
            pay(total, settled_after, PaymentStatus.SUCCEEDED)
            paid = total
    elif total > 0 and age > 2 and rng.random() < 0.1:
        partial = max(1, total // 3)
        pay(partial, rng.randint(1, age), PaymentStatus.SUCCEEDED)
        paid = partial
    status = derive_status(total_minor=total, paid_minor=paid, due_date=due_date, today=as_of)
    return rows, paid, status


def _batches(rows: list[dict]) -> Iterator[list[dict]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start:start + BATCH_SIZE]
