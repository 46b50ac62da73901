"""Moving a portal to another database (SQLite → PostgreSQL when a team outgrows one file, or
back): every table copied in one transaction, ids kept, so invoices, sessions, documents and the
audit trail's hash chain arrive unchanged."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from data.base import metadata
from data.db import advance_id_sequences
from data.migrate import schema_is_current, upgrade_to_head
from services.errors import InvalidInput

log = logging.getLogger(__name__)
BATCH = 2_000
SEEDED = {"audit_chain_head"}  # rows the migrations create on every fresh database


@dataclass(frozen=True)
class MoveSummary:
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def move_database(source: sa.Engine, target: sa.Engine) -> MoveSummary:
    """Copy every row of `source` into `target`, which is migrated first and must be empty.
    All or nothing: a failure leaves `target` as empty as it was. The source is only read."""
    if source.url == target.url:
        raise InvalidInput("The target is the database the portal uses now; name a new, empty one.")
    if not schema_is_current(source):
        raise InvalidInput("The current database's schema is not up to date: run `python portal.py migrate` first.")
    upgrade_to_head(target)
    tables = metadata.sorted_tables  # parents before children, so foreign keys hold at every insert
    with target.connect() as check:
        filled = [table.name for table in tables if table.name not in SEEDED
                  and check.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()]
    if filled:
        raise InvalidInput(f"The target database is not empty ({', '.join(filled[:5])} hold rows); "
                           "create a new database for the move.")
    copied: dict[str, int] = {}
    with source.connect() as reader, target.begin() as writer:
        for table in tables:
            if table.name in SEEDED:
                writer.execute(table.delete())
            copied[table.name] = 0
            result = reader.execution_options(stream_results=True, yield_per=BATCH).execute(
                sa.select(table).order_by(*table.primary_key.columns))
            for rows in result.mappings().partitions(BATCH):
                writer.execute(table.insert(), [dict(row) for row in rows])
                copied[table.name] += len(rows)
            log.info("moved %s: %d rows", table.name, copied[table.name])
        advance_id_sequences(writer)
    with source.connect() as before, target.connect() as after:
        for table in tables:
            expected = before.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            found = after.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if expected != found:  # the source changed during the move: the portal was not stopped
                raise InvalidInput(f"{table.name}: {expected} rows in the source but {found} moved; stop the "
                                   "portal, empty the target and move again.")
    return MoveSummary(copied)
