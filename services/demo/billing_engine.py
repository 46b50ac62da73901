"""A simulated billing engine for `serve --demo`: every few seconds it issues an invoice or
records a payment, signed and pushed to /api/ledger/events like a real ledger would."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import timedelta

import httpx
from sqlmodel import Session, col, select

from data import Customer, Invoice, User, Vendor, utcnow
from data.types import OPEN_STATUSES
from services.config.runtime import Runtime
from services.config.settings import ledger_webhook_secret
from services.demo.dataset import DEMO_SOURCE, VENDORS
from services.ledger.signature import sign
from services.money import to_decimal

log = logging.getLogger(__name__)


# The scheduler ticks every 4 s; an event goes out on about one tick in ten: some 90 events an hour
# across the demo's customers with logins, a handful per customer, like a billing day and not a flood.
EVENT_CHANCE = 0.1


class DemoLedger:
    """Sends now and then (EVENT_CHANCE per tick) one event for a customer that has demo logins."""

    def __init__(self, runtime: Runtime, base_url: str, seed: int = 7) -> None:
        self.runtime = runtime
        self.url = f"{base_url.rstrip('/')}/api/ledger/events"
        self.rng = random.Random(seed)

    def _customers(self, db: Session) -> list[Customer]:
        ids = db.exec(select(col(User.customer_id)).where(col(User.customer_id).is_not(None)).distinct()).all()
        return list(db.exec(select(Customer).where(col(Customer.id).in_(ids))).all())

    def next_event(self) -> dict | None:
        with Session(self.runtime.engine) as db:
            customers = self._customers(db)
            if not customers:
                return None
            customer = self.rng.choice(customers)
            open_invoices = db.exec(select(Invoice).where(col(Invoice.customer_id) == customer.id,
                                                          col(Invoice.source) == DEMO_SOURCE,
                                                          col(Invoice.status).in_(list(OPEN_STATUSES)))
                                    .order_by(col(Invoice.issue_date).desc()).limit(20)).all()
            now = utcnow()
            if open_invoices and self.rng.random() < 0.6:
                invoice = self.rng.choice(open_invoices)
                due = invoice.total_minor - invoice.amount_paid_minor
                failed = self.rng.random() < 0.12
                amount = due if self.rng.random() < 0.7 or due < 200 else due // 2
                return {"event_id": f"sim-{uuid.uuid4()}", "type": "payment.failed" if failed else "payment.succeeded",
                        "occurred_at": now.isoformat(),
                        "payment": {"external_id": f"sim-pay-{uuid.uuid4()}", "invoice_external_id": invoice.external_id,
                                    "amount": str(to_decimal(amount, invoice.currency)), "currency": invoice.currency,
                                    "method": "card" if failed else "bank_transfer", "received_at": now.isoformat()}}
            vendor = db.exec(select(Vendor).order_by(col(Vendor.id))).all()
            if not vendor:
                return None
            chosen = self.rng.choice(vendor)
            catalogue = next((c for code, _n, _i, c in VENDORS if code == chosen.code), VENDORS[0][3])
            currency = db.exec(select(col(Invoice.currency)).where(col(Invoice.customer_id) == customer.id)).first() or "EUR"
            lines = []
            for _ in range(self.rng.randint(1, 4)):
                description, unit, low, high = self.rng.choice(catalogue)
                price = self.rng.randint(low, high) * (1 if currency != "JPY" else 160) // (1 if currency != "JPY" else 100)
                lines.append({"description": description, "quantity": str(self.rng.randint(1, 12)), "unit": unit,
                              "unit_price": str(to_decimal(max(price, 1), currency)), "tax_rate": "19"})
            external_id = f"sim-{uuid.uuid4()}"
            return {"event_id": f"sim-{uuid.uuid4()}", "type": "invoice.issued", "occurred_at": now.isoformat(),
                    "invoice": {"external_id": external_id, "customer_ref": customer.ref, "vendor_code": chosen.code,
                                "number": f"{chosen.code}-{now.year}-S{int(time.time() * 1000) % 10**9:09d}",
                                "issue_date": now.date().isoformat(),
                                "due_date": (now.date() + timedelta(days=30)).isoformat(), "currency": currency,
                                "terms": "Net 30", "version": 1, "lines": lines}}

    def sends_now(self) -> bool:
        """Whether this tick sends an event."""
        return self.rng.random() < EVENT_CHANCE

    async def tick(self) -> None:
        if not self.sends_now():
            return
        event = self.next_event()
        if event is None:
            return
        body = json.dumps({"events": [event]}).encode()
        secret = ledger_webhook_secret(self.runtime.settings, self.runtime.secret_key)
        headers = {"portal-signature": sign(secret, body, int(time.time())), "content-type": "application/json"}
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            log.warning("demo ledger could not push: %s", type(error).__name__)
            return
        if response.status_code != 200:
            log.warning("demo ledger push refused: HTTP %s", response.status_code)


