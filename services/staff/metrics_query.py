"""The metrics page's URL parameters (period, customer, tier, from, to), read once for the page and
its CSV downloads so both show the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from services.staff.metrics import Granularity
from services.url_params import ParamReader


@dataclass(frozen=True)
class MetricsQuery:
    granularity: Granularity = "month"
    customer_id: int | None = None
    tier_id: int | None = None
    start: date | None = None
    end: date | None = None
    problems: list[str] = field(default_factory=list)

    def params(self) -> dict[str, str]:
        """URL parameters that `parse_metrics_query` reads back into this query."""
        values = {"period": self.granularity if self.granularity != "month" else "",
                  "customer": str(self.customer_id or ""), "tier": str(self.tier_id or ""),
                  "from": self.start.isoformat() if self.start else "", "to": self.end.isoformat() if self.end else ""}
        return {key: value for key, value in values.items() if value}


def parse_metrics_query(params: Mapping[str, str]) -> MetricsQuery:
    """Unusable values are dropped with an explanation in `problems`; the rest still applies."""
    reader = ParamReader(params)
    period = reader.choice("period", ("week", "month"), "month", "Period")
    start, end = reader.date_range()
    return MetricsQuery(period, reader.number("customer", "Customer"), reader.number("tier", "Tier"), start, end,  # type: ignore[arg-type]
                        reader.problems)
