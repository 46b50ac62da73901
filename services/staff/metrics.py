"""Operational metrics for the staff console: how quickly customers find their invoices, how often
they sign in, and whether billing questions become rarer once a customer uses the portal.

Periods are UTC ISO weeks (starting Monday) or calendar months. SQL fetches only the columns a
metric needs, already narrowed to the date range and the customer filter (on indexed columns);
the bucketing happens here in Python, so SQLite and PostgreSQL give the same answers.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import Session, col, func, select

from data import AuditEvent, Customer, Invoice, InvoiceStatus, SupportRequest, Tier
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.auth.permissions import history_window_start, require_staff
from services.csv_text import csv_document
from services.errors import InvalidInput, NotFound
from services.principal import Principal

Granularity = Literal["week", "month"]
DEFAULT_MONTHS = 12
MAX_RANGE_DAYS = 5 * 366
# A dashboard load followed by an invoice opened more than this later is not "looking for an
# invoice" any more; it matches the default idle timeout that ends a session anyway.
SESSION_GAP_LIMIT = timedelta(minutes=30)
_ID_CHUNK = 1_000  # invoice ids per IN (...) query: well below every database's parameter limit


@dataclass(frozen=True)
class MetricPoint:
    """One period of a series. `value` is None when there was nothing to measure."""

    period_start: date
    value: float | None
    count: int  # what the value rests on; the series' `count_label` says what is counted


@dataclass(frozen=True)
class MetricSeries:
    """One chart line (or CSV file): a value per period, every period of the report present."""

    key: str  # stable identifier, e.g. for a CSV file name
    name: str
    unit: str
    count_label: str
    points: list[MetricPoint]


@dataclass(frozen=True)
class MetricsReport:
    """Every operational metric for one filter. `start`..`end` (inclusive) cover whole periods."""

    granularity: Granularity
    start: date
    end: date
    customer_id: int | None
    tier_id: int | None
    periods: list[date]
    first_view_hours: MetricSeries
    first_view_hours_median: MetricSeries
    dashboard_to_invoice_seconds: MetricSeries
    dashboard_to_invoice_seconds_median: MetricSeries
    logins_per_customer: MetricSeries
    logins_per_user: MetricSeries
    support_per_100_before: MetricSeries
    support_per_100_after: MetricSeries

    @property
    def all_series(self) -> list[MetricSeries]:
        return [self.first_view_hours, self.first_view_hours_median, self.dashboard_to_invoice_seconds,
                self.dashboard_to_invoice_seconds_median, self.logins_per_customer, self.logins_per_user,
                self.support_per_100_before, self.support_per_100_after]


@dataclass(frozen=True)
class FilterChoice:
    """One entry of a filter list. A customer carries its tier, so the page can narrow the
    customer list to the chosen tier."""

    id: int
    name: str
    tier_id: int | None = None


@dataclass(frozen=True)
class MetricFilterOptions:
    """What the metrics filters offer, sorted by name."""

    customers: list[FilterChoice]
    tiers: list[FilterChoice]


def metric_filter_options(db: Session, principal: Principal) -> MetricFilterOptions:
    """Staff: the customers and tiers the metrics can be narrowed to."""
    require_staff(principal)
    customers = db.exec(select(col(Customer.id), col(Customer.name), col(Customer.tier_id)).order_by(col(Customer.name), col(Customer.id))).all()
    tiers = db.exec(select(col(Tier.id), col(Tier.name)).order_by(col(Tier.name))).all()
    # Ids read back from the database are never None; SQLModel types every id as optional.
    return MetricFilterOptions(customers=[FilterChoice(*row) for row in customers],  # type: ignore[arg-type]
                               tiers=[FilterChoice(*row) for row in tiers])  # type: ignore[arg-type]


def period_start(day: date, granularity: Granularity) -> date:
    """The first day of the ISO week (Monday) or calendar month holding `day`."""
    return day - timedelta(days=day.weekday()) if granularity == "week" else day.replace(day=1)


def next_period_start(start: date, granularity: Granularity) -> date:
    if granularity == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def operational_metrics(
    db: Session, principal: Principal, today: date, *, granularity: Granularity = "month",
    start: date | None = None, end: date | None = None, customer_id: int | None = None, tier_id: int | None = None,
) -> MetricsReport:
    """Staff: every operational metric per week or month, optionally for one customer and/or tier.

    Without dates the report covers the current month and the 11 before it. Given dates widen to
    whole periods (no misleading half-filled first or last bar). The tier filter uses the
    customers' current tier. Activity counts only audit rows that carry a customer, i.e. customer
    users' (staff sign-ins have no customer).
    """
    require_staff(principal)
    if granularity not in get_args(Granularity):
        raise InvalidInput("Choose weeks or months.")
    if customer_id is not None and db.get(Customer, customer_id) is None:
        raise NotFound("customer not found")
    if tier_id is not None and db.get(Tier, tier_id) is None:
        raise NotFound("tier not found")
    end = end or today
    start = start or history_window_start(today, DEFAULT_MONTHS - 1).replace(day=1)  # type: ignore[union-attr]
    if start > end:
        raise InvalidInput("The start date is after the end date.")
    if (end - start).days > MAX_RANGE_DAYS:
        raise InvalidInput("Choose a range of at most five years.")
    periods = [period_start(start, granularity)]
    while (following := next_period_start(periods[-1], granularity)) <= end:
        periods.append(following)
    scope = _Scope(granularity, periods, next_period_start(periods[-1], granularity), customer_id, tier_id)
    first_views = _first_view_hours(db, scope)
    openings = _dashboard_to_invoice_seconds(db, scope)
    logins_per_customer, logins_per_user = _login_frequency(db, scope)
    before, after = _support_per_100_invoices(db, scope)
    return MetricsReport(
        granularity=granularity, start=periods[0], end=scope.end - timedelta(days=1), customer_id=customer_id,
        tier_id=tier_id, periods=periods,
        first_view_hours=scope.series("first_view_hours", "Average time from issue to first view", "hours",
                                      "invoices first viewed", first_views, statistics.fmean),
        first_view_hours_median=scope.series("first_view_hours_median", "Median time from issue to first view",
                                             "hours", "invoices first viewed", first_views, statistics.median),
        dashboard_to_invoice_seconds=scope.series(
            "dashboard_to_invoice_seconds", "Average time from dashboard to invoice", "seconds",
            "dashboard loads followed by an invoice", openings, statistics.fmean),
        dashboard_to_invoice_seconds_median=scope.series(
            "dashboard_to_invoice_seconds_median", "Median time from dashboard to invoice", "seconds",
            "dashboard loads followed by an invoice", openings, statistics.median),
        logins_per_customer=logins_per_customer, logins_per_user=logins_per_user,
        support_per_100_before=before, support_per_100_after=after,
    )


def series_csv(series: MetricSeries) -> str:
    """One series as CSV: `period_start,value,count` with ISO dates and plain numbers (no thousands
    separators, '.' decimals, an empty value where nothing was measured)."""
    return csv_document(["period_start", "value", "count"], (
        [point.period_start.isoformat(),
         None if point.value is None else f"{point.value:.3f}".rstrip("0").rstrip("."), point.count]
        for point in series.points))


@dataclass(frozen=True)
class _Scope:
    """The resolved filter: periods, the exclusive end date, and which customers count."""

    granularity: Granularity
    periods: list[date]
    end: date  # first day after the last period
    customer_id: int | None
    tier_id: int | None

    @property
    def since(self) -> datetime:
        return _midnight(self.periods[0])

    @property
    def until(self) -> datetime:
        return _midnight(self.end)

    def customers(self, column: Mapped[int | None]) -> list[sa.ColumnElement[bool]]:
        """SQL conditions keeping rows whose customer `column` passes the filter."""
        conditions: list[sa.ColumnElement[bool]] = [column.is_not(None)]
        if self.customer_id is not None:
            conditions.append(column == self.customer_id)
        if self.tier_id is not None:  # a subquery: a tier may hold thousands of customers
            conditions.append(column.in_(select(col(Customer.id)).where(col(Customer.tier_id) == self.tier_id)))
        return conditions

    def period_of(self, moment: date | datetime) -> date:
        day = moment.astimezone(timezone.utc).date() if isinstance(moment, datetime) else moment
        return period_start(day, self.granularity)

    def series(self, key: str, name: str, unit: str, count_label: str, samples: dict[date, list[float]],
               statistic: Callable[[list[float]], float]) -> MetricSeries:
        """A series summarizing each period's samples with `statistic` (None where there are none)."""
        points = []
        for period in self.periods:
            values = samples.get(period, [])
            points.append(MetricPoint(period, statistic(values) if values else None, len(values)))
        return MetricSeries(key, name, unit, count_label, points)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _first_view_hours(db: Session, scope: _Scope) -> dict[date, list[float]]:
    """Hours from an invoice becoming available to its first successful view by a customer user,
    per period of that first view.

    Available means max(issue date at 00:00 UTC, the moment the portal received it): an invoice
    cannot be found before it exists in the portal, and one loaded ahead of its issue date is not
    due for attention before that date. A view before that moment (a post-dated invoice) counts
    as 0 hours.
    """
    earlier = aliased(AuditEvent)
    viewed_before = (
        sa.exists().where(col(earlier.object_type) == "invoice", col(earlier.object_id) == col(AuditEvent.object_id),
                          col(earlier.action) == AuditAction.INVOICE_VIEW,
                          col(earlier.outcome) == AuditOutcome.SUCCESS,
                          col(earlier.customer_id).is_not(None), col(earlier.occurred_at) < scope.since)
    )
    rows = db.exec(
        select(col(AuditEvent.object_id), func.min(col(AuditEvent.occurred_at)))
        .where(col(AuditEvent.action) == AuditAction.INVOICE_VIEW, col(AuditEvent.outcome) == AuditOutcome.SUCCESS,
               col(AuditEvent.object_type) == "invoice", col(AuditEvent.occurred_at) >= scope.since,
               col(AuditEvent.occurred_at) < scope.until, *scope.customers(col(AuditEvent.customer_id)), ~viewed_before)
        .group_by(col(AuditEvent.object_id))
    ).all()
    first_view = {int(object_id): seen for object_id, seen in rows if object_id and object_id.isdigit()}
    samples: dict[date, list[float]] = defaultdict(list)
    ids = sorted(first_view)
    for offset in range(0, len(ids), _ID_CHUNK):
        chunk = ids[offset:offset + _ID_CHUNK]
        for invoice_id, issue_date, created_at in db.exec(
                select(col(Invoice.id), col(Invoice.issue_date), col(Invoice.created_at)).where(col(Invoice.id).in_(chunk))):
            seen = first_view[invoice_id]  # type: ignore[index]  # an id read back is never None
            available = max(_midnight(issue_date), created_at)
            samples[scope.period_of(seen)].append(max(0.0, (seen - available).total_seconds() / 3600))
    return samples


def _dashboard_to_invoice_seconds(db: Session, scope: _Scope) -> dict[date, list[float]]:
    """Seconds from a dashboard load to the first invoice opened after it in the same session,
    per period of the dashboard load. A dashboard load with no invoice opened before the next
    load (or the session's end) is not a pair; gaps over SESSION_GAP_LIMIT are left out."""
    rows = db.exec(
        select(col(AuditEvent.session_hash), col(AuditEvent.occurred_at), col(AuditEvent.action))
        .where(col(AuditEvent.action).in_((AuditAction.DASHBOARD_VIEW, AuditAction.INVOICE_VIEW)),
               col(AuditEvent.outcome) == AuditOutcome.SUCCESS, col(AuditEvent.session_hash).is_not(None),
               col(AuditEvent.occurred_at) >= scope.since,
               # an invoice opened just after the range still closes a pair that starts inside it
               col(AuditEvent.occurred_at) < scope.until + SESSION_GAP_LIMIT,
               *scope.customers(col(AuditEvent.customer_id)))
        .order_by(col(AuditEvent.session_hash), col(AuditEvent.occurred_at), col(AuditEvent.seq))
    )
    samples: dict[date, list[float]] = defaultdict(list)
    session_hash, loaded_at = None, None
    for row_session, occurred_at, action in rows:
        if row_session != session_hash:
            session_hash, loaded_at = row_session, None
        if action == AuditAction.DASHBOARD_VIEW:
            loaded_at = occurred_at if occurred_at < scope.until else None
        elif loaded_at is not None:
            gap = occurred_at - loaded_at
            if gap <= SESSION_GAP_LIMIT:
                samples[scope.period_of(loaded_at)].append(gap.total_seconds())
            loaded_at = None
    return samples


def _login_frequency(db: Session, scope: _Scope) -> tuple[MetricSeries, MetricSeries]:
    """Sign-ins per active customer and per active user. Active means signed in at least once in
    that period, so a period without sign-ins has no value rather than 0."""
    logins: dict[date, int] = defaultdict(int)
    customers: dict[date, set[int]] = defaultdict(set)
    users: dict[date, set[int]] = defaultdict(set)
    for occurred_at, user_id, customer_id in db.exec(
            select(col(AuditEvent.occurred_at), col(AuditEvent.user_id), col(AuditEvent.customer_id))
            .where(col(AuditEvent.action) == AuditAction.LOGIN_SUCCESS, col(AuditEvent.outcome) == AuditOutcome.SUCCESS,
                   col(AuditEvent.occurred_at) >= scope.since, col(AuditEvent.occurred_at) < scope.until,
                   *scope.customers(col(AuditEvent.customer_id)))):
        period = scope.period_of(occurred_at)
        logins[period] += 1
        customers[period].add(customer_id)  # type: ignore[arg-type]
        if user_id is not None:
            users[period].add(user_id)
    return (
        _ratio_series(scope, "logins_per_customer", "Sign-ins per active customer", "sign-ins", "active customers",
                      logins, {period: len(ids) for period, ids in customers.items()}),
        _ratio_series(scope, "logins_per_user", "Sign-ins per active user", "sign-ins", "active users",
                      logins, {period: len(ids) for period, ids in users.items()}),
    )


def _support_per_100_invoices(db: Session, scope: _Scope) -> tuple[MetricSeries, MetricSeries]:
    """Support requests per 100 invoices issued, per period, before and after each customer's
    portal adoption (its first sign-in; never adopted = before).

    A request is "after" from the adoption moment on; an invoice from the adoption's (UTC) day
    on, as the portal already showed it. Requests go by the day they were made, invoices by
    issue date; drafts are not issued and do not count.
    """
    adopted_at = dict(db.exec(select(col(Customer.id), col(Customer.portal_adopted_at))
                              .where(*scope.customers(col(Customer.id)))).all())
    requests: dict[bool, dict[date, int]] = {False: defaultdict(int), True: defaultdict(int)}
    invoices: dict[bool, dict[date, int]] = {False: defaultdict(int), True: defaultdict(int)}
    for customer_id, created_at in db.exec(
            select(col(SupportRequest.customer_id), col(SupportRequest.created_at))
            .where(col(SupportRequest.created_at) >= scope.since, col(SupportRequest.created_at) < scope.until,
                   *scope.customers(col(SupportRequest.customer_id)))):
        adopted = adopted_at.get(customer_id)
        requests[adopted is not None and created_at >= adopted][scope.period_of(created_at)] += 1
    # One row per customer and issue day, counted in SQL: far fewer rows than invoices.
    for customer_id, issue_date, count in db.exec(
            select(col(Invoice.customer_id), col(Invoice.issue_date), func.count())
            .where(col(Invoice.issue_date) >= scope.periods[0], col(Invoice.issue_date) < scope.end,
                   col(Invoice.status) != InvoiceStatus.DRAFT, *scope.customers(col(Invoice.customer_id)))
            .group_by(col(Invoice.customer_id), col(Invoice.issue_date))):
        adopted = adopted_at.get(customer_id)
        invoices[adopted is not None and issue_date >= adopted.date()][scope.period_of(issue_date)] += count
    return tuple(  # type: ignore[return-value]
        _ratio_series(scope, f"support_per_100_{phase}", f"Support requests per 100 invoices, {phase} adoption",
                      "requests per 100 invoices", "invoices issued", requests[after], invoices[after], per=100)
        for phase, after in (("before", False), ("after", True))
    )


def _ratio_series(scope: _Scope, key: str, name: str, unit: str, count_label: str, numerators: dict[date, int],
                  denominators: dict[date, int], per: int = 1) -> MetricSeries:
    """per × numerator / denominator for each period; None where the denominator is 0."""
    points = []
    for period in scope.periods:
        numerator, denominator = numerators.get(period, 0), denominators.get(period, 0)
        points.append(MetricPoint(period, per * numerator / denominator if denominator else None, denominator))
    return MetricSeries(key, name, unit, count_label, points)
