"""Ledgers the portal polls, each from its cursor: an HTTP JSON feed or a table in another database.

HTTP: GET <url>?cursor=<cursor>&limit=<n> answers {"events": [...], "next_cursor": "..."}
(no cursor on the first call). SQL: a table or view with `seq` (increasing integer) and `payload`
(the event as JSON text), read as `WHERE seq > cursor ORDER BY seq`.

Failures back off exponentially (2 s, 4 s, … up to 5 minutes) and are recorded on the source's
cursor row, which the staff console shows as sync health.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from data import LedgerCursor
from data.db import create_db_engine
from services.config.runtime import Runtime
from services.config.settings import LedgerSourceConfig
from services.ledger.apply import record_source_failure
from services.ledger.pipeline import ingest
from services.ledger.schema import MAX_JSON_DEPTH, nested_too_deeply

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=5)
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_engines: dict[str, sa.Engine] = {}


class SourceError(Exception):
    """The source answered badly; the message says how (no secrets in it)."""


def backoff_until(cursor: LedgerCursor | None, interval_seconds: float) -> datetime | None:
    """When the next poll may run after failures, or None when it may run now."""
    if cursor is None or cursor.consecutive_failures == 0 or cursor.last_attempt_at is None:
        return None
    delay = timedelta(seconds=interval_seconds * 2 ** min(cursor.consecutive_failures, 16))
    return cursor.last_attempt_at + min(delay, MAX_BACKOFF)


def fetch_http(config: LedgerSourceConfig, cursor: str | None) -> tuple[list[object], str | None]:
    params = {"limit": str(config.batch_size)} | ({"cursor": cursor} if cursor else {})
    headers = {"accept": "application/json"}
    if config.token is not None:
        headers["authorization"] = f"Bearer {config.token.get_secret_value()}"
    try:
        response = httpx.get(config.url, params=params, headers=headers, timeout=HTTP_TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as error:
        raise SourceError(f"{type(error).__name__} talking to the ledger") from error
    if response.status_code != 200:
        raise SourceError(f"the ledger answered HTTP {response.status_code}")
    try:
        document = response.json()
    except (ValueError, RecursionError) as error:
        raise SourceError("the ledger's answer is not JSON (or nests too deeply)") from error
    if nested_too_deeply(document):
        raise SourceError(f"the ledger's answer nests deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise SourceError('the ledger answer has no "events" list')
    next_cursor = document.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str | int):
        raise SourceError("next_cursor must be a string")
    return document["events"], (str(next_cursor) if next_cursor is not None else cursor)


def fetch_sql(config: LedgerSourceConfig, cursor: str | None) -> tuple[list[object], str | None]:
    engine = _engines.get(config.name)
    if engine is None:
        engine = _engines[config.name] = create_db_engine(config.url, pool_pre_ping=True)
    after = int(cursor) if cursor and cursor.lstrip("-").isdigit() else 0
    statement = sa.text(f"SELECT seq, payload FROM {config.table} WHERE seq > :after ORDER BY seq LIMIT :limit")  # noqa: S608 - table name is validated by the settings pattern
    try:
        with engine.connect() as connection:
            rows = connection.execute(statement, {"after": after, "limit": config.batch_size}).all()
    except sa.exc.SQLAlchemyError as error:
        raise SourceError(f"{type(error).__name__} reading {config.table}") from error
    events: list[object] = []
    for _seq, payload in rows:
        try:
            event = json.loads(payload)
        except (TypeError, ValueError, RecursionError):
            event = None
        if event is None or nested_too_deeply(event):
            event = {"unparsable_payload": str(payload)[:10_000]}  # quarantined with its reason
        events.append(event)
    return events, (str(rows[-1][0]) if rows else cursor)


FETCHERS = {"http": fetch_http, "sql": fetch_sql}


def poll_source(runtime: Runtime, config: LedgerSourceConfig) -> int:
    """One poll of one source, unless it is backing off; returns how many events were applied."""
    from data import utcnow

    with runtime.unit_of_work() as db:
        cursor_row = db.get(LedgerCursor, config.name)
        wait_until = backoff_until(cursor_row, runtime.settings.ledger_poll_seconds)
        cursor = cursor_row.cursor if cursor_row else None
    if wait_until is not None and utcnow() < wait_until:
        return 0
    try:
        events, next_cursor = FETCHERS[config.kind](config, cursor)
    except SourceError as error:
        with runtime.unit_of_work() as db:
            failed = record_source_failure(db, config.name, str(error))
            log.warning("ledger source %s failed (%d in a row): %s", config.name, failed.consecutive_failures, error)
        return 0
    if not events:
        with runtime.unit_of_work() as db:
            row = db.get(LedgerCursor, config.name) or LedgerCursor(source=config.name)
            row.last_attempt_at = row.last_success_at = utcnow()
            row.consecutive_failures = 0
            db.add(row)
        return 0
    try:
        return ingest(runtime, config.name, events, next_cursor=next_cursor).applied
    except sa.exc.OperationalError as error:  # our own database is locked or full: the batch rolled back whole
        reason = f"could not store the events ({type(error.orig).__name__}: {str(error.orig)[:200]})"
        log.warning("ledger source %s: %s; retrying with backoff", config.name, reason)
        try:
            with runtime.unit_of_work() as db:
                record_source_failure(db, config.name, reason)  # so it backs off and shows in sync health
        except sa.exc.OperationalError:
            pass  # the database still refuses writes; the next poll tries again
        return 0
