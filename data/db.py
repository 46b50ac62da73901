"""Engine and session factory. SQLite gets the pragmas a multi-user web app needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; FULL sync because ledger data must survive a
    # power cut; foreign keys are off in SQLite unless asked for on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_db_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for `url`; SQLite files get their folder created and the pragmas above."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = sa.create_engine(url, **kwargs)
        sa.event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


@contextmanager
def unit_of_work(engine: sa.Engine, info: dict[str, object] | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back when it raises; `info`
    travels with it (`Session.info`)."""
    with Session(engine, expire_on_commit=False, info=info) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def rows_changed(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its driver's rowcount)."""
    return cast(sa.CursorResult[Any], result).rowcount


def database_status(engine: sa.Engine) -> str:
    """'ok' when a trivial query answers, otherwise the error's class name (no details leak)."""
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not ok" to a health check
        return type(error).__name__
    return "ok"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction now (SQLite: BEGIN IMMEDIATE).

    Python's sqlite3 only opens a transaction right before INSERT/UPDATE/DELETE, so a SAVEPOINT
    issued first would run in autocommit mode and its RELEASE would commit on its own. Code that
    uses savepoints (per-event quarantine, racing document inserts) calls this first; it also
    takes SQLite's write lock up front instead of failing to upgrade a stale read later.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def advance_id_sequences(connection: sa.Connection, tables: list[str] | None = None) -> None:
    """PostgreSQL's id sequences do not see explicitly given ids (demo data, copied databases):
    move each past its table's highest id, or the next insert would collide (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    from data.base import metadata

    names = tables if tables is not None else [
        table.name for table in metadata.sorted_tables
        if "id" in table.c and table.c.id.primary_key and isinstance(table.c.id.type, sa.Integer)]
    for table in names:
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, "
            "false)"))
