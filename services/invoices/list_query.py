"""The invoice list's filters, sorting and paging, read from and written back to a URL query.

A filtered view is a URL: it can be bookmarked, shared, reloaded and navigated back to. Bad
values never break the page; each one is dropped with a message that says what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from urllib.parse import urlencode

from data.types import InvoiceStatus
from services.url_params import ParamReader

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
MAX_NUMBER_LENGTH = 64
MAX_VENDORS = 50
MAX_VENDOR_CODE_LENGTH = 64
CUSTOMER_STATUSES = tuple(status for status in InvoiceStatus if status != InvoiceStatus.DRAFT)


class SortKey(str, Enum):
    NUMBER = "number"
    ISSUE_DATE = "issue_date"
    DUE_DATE = "due_date"
    AMOUNT = "amount"
    STILL_DUE = "due"
    STATUS = "status"
    VENDOR = "vendor"


class Period(str, Enum):
    """Date presets; stored by name so a bookmark of "this month" stays current."""

    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_QUARTER = "this_quarter"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"
    CUSTOM = "custom"


PERIOD_LABELS = {
    Period.THIS_MONTH: "This month", Period.LAST_MONTH: "Last month", Period.THIS_QUARTER: "This quarter",
    Period.THIS_YEAR: "This year", Period.LAST_YEAR: "Last year", Period.CUSTOM: "Custom range",
}


def period_range(period: Period, today: date) -> tuple[date, date] | None:
    """First and last day of a preset period around `today`; None for a custom range."""
    if period == Period.THIS_MONTH:
        start = today.replace(day=1)
        return start, _month_end(start)
    if period == Period.LAST_MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == Period.THIS_QUARTER:
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return start, _month_end(date(start.year, start.month + 2, 1))
    if period == Period.THIS_YEAR:
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if period == Period.LAST_YEAR:
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return None


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


# The fields a user types into: a number, or a date digit by digit (each digit that completes a valid
# date is a change).
TYPED_FIELDS = ("number", "date_from", "date_to")


def typed_edit(before: InvoiceQuery, after: InvoiceQuery) -> frozenset[str]:
    """The typed fields `after` changed, when it changed nothing else (the page aside); else empty.
    The list keeps one history entry per typed field, so Back leaves an edit instead of undoing it a
    keystroke at a time."""
    edited = frozenset(name for name in TYPED_FIELDS if getattr(before, name) != getattr(after, name))
    if not any(getattr(after, name) for name in edited):
        return frozenset()  # emptied (a Clear button): a step of its own
    kept = after.with_changes(page=1, **{name: getattr(before, name) for name in edited})
    return edited if kept == before.with_changes(page=1) else frozenset()


@dataclass(frozen=True)
class InvoiceQuery:
    """What the user asked the invoice list for. Dates are inclusive issue dates."""

    period: Period | None = None
    date_from: date | None = None
    date_to: date | None = None
    vendor_codes: tuple[str, ...] = ()
    number: str = ""
    statuses: tuple[InvoiceStatus, ...] = ()
    sort: SortKey = SortKey.ISSUE_DATE
    descending: bool = True
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_filtered(self) -> bool:
        return bool(self.dates_filtered or self.vendor_codes or self.number or self.statuses)

    @property
    def dates_filtered(self) -> bool:
        """A preset period, or a custom range with at least one end: "Custom range" chosen with both
        dates still empty limits nothing."""
        return bool(self.period and self.period != Period.CUSTOM or self.date_from or self.date_to)

    def issue_date_range(self, today: date) -> tuple[date | None, date | None]:
        """The effective range: a preset's days, or the custom dates."""
        if self.period and self.period != Period.CUSTOM:
            return period_range(self.period, today) or (None, None)
        return self.date_from, self.date_to

    def with_known_vendors(self, codes: set[str]) -> InvoiceQuery:
        """This query without vendor codes outside `codes` (the vendors the user has invoices
        from), each dropped with a message."""
        unknown = [code for code in self.vendor_codes if code not in codes]
        if not unknown:
            return self
        return replace(self, vendor_codes=tuple(code for code in self.vendor_codes if code in codes),
                       problems=self.problems + tuple(f"No invoices of yours come from a vendor “{code[:40]}”; "
                                                      "that vendor filter was dropped." for code in unknown))

    def with_changes(self, **changes: object) -> InvoiceQuery:
        """A copy with some values changed; any filter change goes back to page 1."""
        if "page" not in changes:
            changes["page"] = 1
        return replace(self, problems=(), **changes)  # type: ignore[arg-type]

    def to_query_string(self) -> str:
        """The URL query for this view (defaults left out, so plain URLs stay plain)."""
        params: list[tuple[str, str]] = []
        if self.period:
            params.append(("period", self.period.value))
        if self.period in (None, Period.CUSTOM):
            if self.date_from:
                params.append(("from", self.date_from.isoformat()))
            if self.date_to:
                params.append(("to", self.date_to.isoformat()))
        params += [("vendor", code) for code in self.vendor_codes]
        if self.number:
            params.append(("number", self.number))
        params += [("status", status.value) for status in self.statuses]
        if self.sort != SortKey.ISSUE_DATE or not self.descending:
            params += [("sort", self.sort.value), ("dir", "desc" if self.descending else "asc")]
        if self.page != 1:
            params.append(("page", str(self.page)))
        if self.page_size != DEFAULT_PAGE_SIZE:
            params.append(("size", str(self.page_size)))
        return urlencode(params)


_NUMBER_ALLOWED = re.compile(r"^[\w\-./ #]*$", re.UNICODE)


def parse_invoice_query(params: Mapping[str, Sequence[str]] | Mapping[str, str]) -> InvoiceQuery:
    """Read the list's URL query. Unknown or invalid values are dropped, each with a message."""
    reader = ParamReader(params)
    period = reader.member("period", Period, "“{value}” is not a period; showing all dates.")
    date_from, date_to = reader.date_range()
    if (date_from or date_to) and period is None:
        period = Period.CUSTOM
    vendor_codes = []
    for code in reader.every("vendor", MAX_VENDORS):
        if code and len(code) <= MAX_VENDOR_CODE_LENGTH and code.isprintable():
            vendor_codes.append(code)
        else:
            reader.problems.append(f"“{code[:40]}” is not a vendor code; that vendor filter was dropped.")
    number = reader.first("number")
    if len(number) > MAX_NUMBER_LENGTH or not _NUMBER_ALLOWED.match(number):
        reader.problems.append("The invoice number may hold letters, digits and - . / # only; that search was dropped.")
        number = ""
    statuses = reader.members("status", InvoiceStatus, "“{value}” is not a status; that status filter was dropped.",
                              allowed=CUSTOMER_STATUSES)
    sort = reader.member("sort", SortKey, "Cannot sort by “{value}”; sorted by issue date.") or SortKey.ISSUE_DATE
    direction = reader.first("dir") or "desc"
    if direction not in ("asc", "desc"):
        reader.problems.append("The sort direction must be asc or desc; sorted newest first.")
        direction = "desc"
    page = reader.bounded("page", "page", 1, minimum=1, maximum=1_000_000)
    page_size = reader.bounded("size", "page size", DEFAULT_PAGE_SIZE, minimum=1, maximum=1000)
    if page_size not in PAGE_SIZES:
        reader.problems.append(f"Pages hold {', '.join(map(str, PAGE_SIZES))} invoices; showing {DEFAULT_PAGE_SIZE}.")
        page_size = DEFAULT_PAGE_SIZE
    return InvoiceQuery(period=period, date_from=date_from, date_to=date_to, vendor_codes=tuple(dict.fromkeys(vendor_codes)),
                        number=number, statuses=tuple(statuses), sort=sort, descending=direction == "desc",
                        page=page, page_size=page_size, problems=tuple(reader.problems))
