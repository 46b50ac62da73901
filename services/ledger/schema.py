"""The ledger event format (JSON). Published as JSON Schema in docs/ and in the OpenAPI docs.

Amounts are decimal strings in major units ("1234.50"), never floats: a float cannot say 0.10.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal

from babel.numbers import is_currency
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from data.types import PaymentMethod, PaymentStatus

Text = Annotated[str, StringConstraints(max_length=1000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
# Bounds that keep every amount, and every sum of them in minor units, far inside a 64-bit integer
# (SQLite's and PostgreSQL's BIGINT): an event beyond them is quarantined, never half-applied.
MAX_AMOUNT = Decimal("1e12")  # a unit price, payment, line or invoice total, in major units
MAX_QUANTITY = 1_000_000_000


def _iso_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_currency),
                     Field(description="an ISO 4217 currency code such as EUR")]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone (e.g. 2026-11-26T10:00:00Z)")
    return value


Instant = Annotated[datetime, AfterValidator(_aware),
                    Field(description="an ISO 8601 instant with its zone, e.g. 2026-11-26T10:00:00Z")]


MAX_JSON_DEPTH = 32  # an event nests 4 levels; far deeper JSON is an attack on the parser or the stack


def nested_too_deeply(document: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than `limit` arrays and objects (walked without recursion)."""
    stack: list[tuple[object, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def _finite_amount(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"is larger than {MAX_AMOUNT:,f}")
    return value


Amount = Annotated[Decimal, Field(description="a decimal string such as \"1234.50\" (numbers are accepted too)",
                                  examples=["1234.50"]),
                   AfterValidator(_finite_amount)]


class EventType(str, Enum):
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_UPDATED = "invoice.updated"
    INVOICE_VOIDED = "invoice.voided"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_REFUNDED = "payment.refunded"


def _bounded_quantity(value: Decimal) -> Decimal:
    if value > MAX_QUANTITY:
        raise ValueError(f"is larger than {MAX_QUANTITY:,}")
    return value


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text = Field(min_length=1)
    quantity: Annotated[Amount, AfterValidator(_bounded_quantity),
                        Field(description=f"a decimal string, at most {MAX_QUANTITY:,}")]
    unit: Annotated[str, StringConstraints(max_length=16)] = ""
    unit_price: Amount
    tax_rate: Annotated[Decimal, Field(ge=0, le=100, description="percent, e.g. 19")]

    @property
    def gross(self) -> Decimal:
        """The line with its tax, in major units (unrounded)."""
        return self.quantity * self.unit_price * (1 + self.tax_rate / 100)

    @model_validator(mode="after")
    def _bounded_total(self) -> LineIn:
        if self.gross > MAX_AMOUNT:
            raise ValueError(f"quantity × unit price with tax is larger than {MAX_AMOUNT:,f}")
        return self


class InvoiceIn(BaseModel):
    """An invoice as the ledger sees it now. A higher `version` replaces a lower one."""

    model_config = ConfigDict(extra="forbid")

    external_id: ShortText
    number: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
    customer_ref: ShortText = Field(description="the customer's reference (Customer.ref)")
    vendor_code: ShortText = Field(description="the issuing business unit (Vendor.code)")
    issue_date: date
    due_date: date
    currency: Currency
    terms: Annotated[str, StringConstraints(max_length=500)] = ""
    notes: Annotated[str, StringConstraints(max_length=2000)] = ""
    version: int = Field(ge=1, le=2**31 - 1)
    lines: list[LineIn] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _dates_in_order(self) -> InvoiceIn:
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        if sum(line.gross for line in self.lines) > MAX_AMOUNT:
            raise ValueError(f"the invoice total is larger than {MAX_AMOUNT:,f}")
        return self


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: ShortText
    invoice_external_id: ShortText
    amount: Amount
    currency: Currency
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    received_at: Instant
    reference: Annotated[str, StringConstraints(max_length=200)] = ""

    @field_validator("amount")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be more than zero")
        return value


class LedgerEvent(BaseModel):
    """One thing that happened in the billing ledger. `event_id` is unique per source: the same
    event delivered twice is applied once."""

    model_config = ConfigDict(extra="forbid")

    event_id: ShortText
    type: EventType
    occurred_at: Instant
    invoice: InvoiceIn | None = None
    payment: PaymentIn | None = None

    @model_validator(mode="after")
    def _payload_matches_type(self) -> LedgerEvent:
        if self.type.value.startswith("invoice.") and self.invoice is None:
            raise ValueError(f"{self.type.value} needs an invoice")
        if self.type == EventType.INVOICE_VOIDED and self.invoice is not None:
            return self
        if self.type.value.startswith("payment.") and self.payment is None:
            raise ValueError(f"{self.type.value} needs a payment")
        return self


PAYMENT_STATUS_FOR = {EventType.PAYMENT_SUCCEEDED: PaymentStatus.SUCCEEDED,
                      EventType.PAYMENT_FAILED: PaymentStatus.FAILED,
                      EventType.PAYMENT_REFUNDED: PaymentStatus.REFUNDED}
SCHEMA_VERSION: Literal["2026-11"] = "2026-11"
