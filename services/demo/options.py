"""What a demo load generates: the same options always give the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

DEFAULT_DEMO_PASSWORD = "invoice-demo-2026"


@dataclass(frozen=True)
class DemoOptions:
    """What to generate. The same options always give the same rows."""

    customers: int = 12
    invoices: int = 2_400
    seed: int = 2026
    password: str = DEFAULT_DEMO_PASSWORD
    as_of: date = field(default_factory=lambda: datetime.now(timezone.utc).date())
