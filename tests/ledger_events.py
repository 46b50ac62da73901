"""Builders of ledger events for tests (plain dicts, as JSON would carry them)."""

from __future__ import annotations

import itertools

_ids = itertools.count(1)


def invoice_event(external_id: str, *, customer_ref: str, vendor_code: str, number: str | None = None,
                  version: int = 1, type_: str = "invoice.issued", lines: list[dict] | None = None,
                  currency: str = "EUR", issue_date: str = "2026-11-01", due_date: str = "2026-12-01",
                  event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"evt-{next(_ids)}", "type": type_, "occurred_at": "2026-11-26T10:00:00Z",
        "invoice": {"external_id": external_id, "number": number or f"INV-{external_id}", "customer_ref": customer_ref,
                    "vendor_code": vendor_code, "issue_date": issue_date, "due_date": due_date, "currency": currency,
                    "terms": "Net 30", "version": version,
                    "lines": lines or [{"description": "Consulting", "quantity": "2", "unit": "h",
                                        "unit_price": "100.00", "tax_rate": "19"}]},
    }


def payment_event(external_id: str, invoice_external_id: str, amount: str, *, type_: str = "payment.succeeded",
                  currency: str = "EUR", event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"evt-{next(_ids)}", "type": type_, "occurred_at": "2026-11-26T10:05:00Z",
        "payment": {"external_id": external_id, "invoice_external_id": invoice_external_id, "amount": amount,
                    "currency": currency, "method": "bank_transfer", "received_at": "2026-11-26T10:05:00Z"},
    }
