"""Builders of ledger events for tests (plain dicts, as JSON would carry them)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx

from services.config.settings import Settings, ledger_webhook_secret
from services.ledger.signature import sign
from services.money import to_decimal
from tests.clock import FROZEN_NOW, days

_ids = itertools.count(1)
PAID_AT = FROZEN_NOW + timedelta(minutes=5)


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def invoice_event(external_id: str, *, customer_ref: str, vendor_code: str, number: str | None = None,
                  version: int = 1, type_: str = "invoice.issued", lines: list[dict] | None = None,
                  currency: str = "EUR", issue_date: str | None = None, due_date: str | None = None,
                  event_id: str | None = None) -> dict:
    """An invoice event; by default issued 25 days before the suite's TODAY and due 5 days after it."""
    issue_date = issue_date or days(-25).isoformat()
    due_date = due_date or days(5).isoformat()
    return {
        "event_id": event_id or f"evt-{next(_ids)}", "type": type_, "occurred_at": _instant(FROZEN_NOW),
        "invoice": {"external_id": external_id, "number": number or f"INV-{external_id}", "customer_ref": customer_ref,
                    "vendor_code": vendor_code, "issue_date": issue_date, "due_date": due_date, "currency": currency,
                    "terms": "Net 30", "version": version,
                    "lines": lines or [{"description": "Consulting", "quantity": "2", "unit": "h",
                                        "unit_price": "100.00", "tax_rate": "19"}]},
    }


def payment_event(external_id: str, invoice_external_id: str, amount: str, *, type_: str = "payment.succeeded",
                  currency: str = "EUR", event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"evt-{next(_ids)}", "type": type_, "occurred_at": _instant(PAID_AT),
        "payment": {"external_id": external_id, "invoice_external_id": invoice_external_id, "amount": amount,
                    "currency": currency, "method": "bank_transfer", "received_at": _instant(PAID_AT)},
    }


class FakeLedger:
    """A loopback HTTP ledger: pages of events by cursor, or a chosen failure."""

    def __init__(self, events: list[dict]) -> None:
        self.events = events
        self.fail_with: int | None = None
        self.requests: list[dict[str, list[str]]] = []
        ledger = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                query = parse_qs(urlsplit(self.path).query)
                ledger.requests.append(query | {"auth": [self.headers.get("authorization", "")]})
                if ledger.fail_with:
                    self.send_response(ledger.fail_with)
                    self.end_headers()
                    return
                start = int(query.get("cursor", ["0"])[0])
                limit = int(query["limit"][0])
                page = ledger.events[start:start + limit]
                body = json.dumps({"events": page, "next_cursor": str(start + len(page))}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/events"


def push_full_payment(base_url: str, secret_key: str, invoice) -> httpx.Response:  # type: ignore[no-untyped-def]
    """Push, signed like the ledger does, a card payment of everything still due on `invoice` (a row
    with external_id, currency, total_minor and amount_paid_minor) to a running portal."""
    due = to_decimal(invoice.total_minor - invoice.amount_paid_minor, invoice.currency)
    now = _instant(datetime.now(timezone.utc))
    return push_events(base_url, secret_key, [{
        "event_id": f"push-{time.time_ns()}", "type": "payment.succeeded", "occurred_at": now,
        "payment": {"external_id": f"push-pay-{time.time_ns()}", "invoice_external_id": invoice.external_id,
                    "amount": str(Decimal(due)), "currency": invoice.currency, "method": "card",
                    "received_at": now}}])


def push_events(base_url: str, secret_key: str, events: list[dict]) -> httpx.Response:
    """POST `events` to a running portal's /api/ledger/events, signed as the ledger signs them."""
    body = json.dumps({"events": events}).encode()
    secret = ledger_webhook_secret(Settings(_env_file=None), secret_key)
    return httpx.post(f"{base_url}/api/ledger/events", content=body, timeout=30,
                      headers={"portal-signature": sign(secret, body, int(time.time())),
                               "content-type": "application/json"})
