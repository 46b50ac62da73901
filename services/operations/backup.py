"""Consistent online backups of the portal database, and their restore into a new, empty one."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlmodel import Session, func, select

from data import Customer, Invoice
from data.migrate import MIGRATIONS_DIR
from services.config.settings import SECRET_KEY_FILE, Settings
from services.errors import InvalidInput

SQLITE_HEADER = b"SQLite format 3\x00"


def backup_database(engine: sa.Engine, destination: Path) -> Path:
    """Write a consistent copy of the live database to `destination` (which must not exist).

    SQLite: `VACUUM INTO`, safe while the portal serves. PostgreSQL: `pg_dump --format=custom`
    (restore with `restore_database`, which runs `pg_restore`).
    """
    destination = destination.resolve()
    if destination.exists():
        raise InvalidInput(f"{destination} exists already; choose a new file name")
    if not destination.parent.is_dir():
        raise InvalidInput(f"folder {destination.parent} does not exist")
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("VACUUM INTO ?", (str(destination),))
        return destination
    if backend == "postgresql":
        result = _run_pg_tool("pg_dump", engine.url, ["--format=custom", "--no-owner", f"--file={destination}"])
        if result.returncode != 0:
            destination.unlink(missing_ok=True)
            raise InvalidInput(f"pg_dump failed: {result.stderr.strip()}")
        return destination
    raise InvalidInput(f"backups of {backend} databases are not supported")


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore put in place: where, and how much of the business it holds."""

    target: str
    customers: int
    invoices: int


def require_secret_key(settings: Settings) -> None:
    """Refuse a restore that would run under a newly generated secret key: the restored portal
    could not decrypt authenticator secrets nor verify its audit trail."""
    if settings.secret_key is None and not (settings.data_dir / SECRET_KEY_FILE).is_file():
        raise InvalidInput(f"no secret key: copy {SECRET_KEY_FILE} from the backed-up portal's data dir to "
                           f"{settings.data_dir / SECRET_KEY_FILE} (or set PORTAL_SECRET_KEY) before restoring")


def restore_database(engine: sa.Engine, backup: Path) -> RestoreSummary:
    """Restore a `backup_database` file into `engine`'s database, which must be new and empty.

    The backup is checked before anything is written (SQLite: `PRAGMA integrity_check`;
    PostgreSQL: `pg_restore --list`), and the restore is all or nothing: SQLite writes a checked
    copy beside the target and renames it into place, PostgreSQL restores in one transaction.
    """
    backup = backup.resolve()
    if not backup.is_file():
        raise InvalidInput(f"{backup} is not a file")
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        _restore_sqlite(engine, backup)
    elif backend == "postgresql":
        _restore_postgresql(engine, backup)
    else:
        raise InvalidInput(f"restores into {backend} databases are not supported")
    engine.dispose()  # no pooled connection may still see the empty database
    with Session(engine) as db:
        customers = db.exec(select(func.count()).select_from(Customer)).one()
        invoices = db.exec(select(func.count()).select_from(Invoice)).one()
    return RestoreSummary(engine.url.render_as_string(hide_password=True), customers, invoices)


def _restore_sqlite(engine: sa.Engine, backup: Path) -> None:
    if not engine.url.database or engine.url.database == ":memory:":
        raise InvalidInput("restore needs a database file; set PORTAL_DATA_DIR or PORTAL_DATABASE_URL")
    target = Path(engine.url.database).resolve()
    _check_sqlite_backup(backup)
    _require_empty_sqlite(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    staging.unlink(missing_ok=True)
    try:
        with _open_read_only(backup) as source, closing(sqlite3.connect(staging)) as copy:
            source.backup(copy)
            problems = copy.execute("PRAGMA quick_check").fetchall()
        if problems != [("ok",)]:
            raise InvalidInput(f"the copy at {staging} failed its check ({problems[0][0]}); nothing was restored")
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    _fsync_folder(target.parent)


def _check_sqlite_backup(backup: Path) -> None:
    """A portal backup, whole and from a schema version this code knows."""
    with backup.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InvalidInput(f"{backup} is not a SQLite database (a PostgreSQL backup restores into PostgreSQL)")
    if Path(f"{backup}-wal").exists():
        raise InvalidInput(f"{backup}-wal exists beside it: that is a copy of a live database, not a "
                           "`portal.py backup` file; take a backup with `portal.py backup`")
    with _open_read_only(backup) as source:
        try:
            problems = [row[0] for row in source.execute("PRAGMA integrity_check").fetchall()]
            revision = source.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise InvalidInput(f"{backup} cannot be read as a portal backup ({error}); nothing was restored") from error
    if problems != ["ok"]:
        raise InvalidInput(f"{backup} failed its integrity check ({'; '.join(problems[:3])}); nothing was restored")
    _require_known_revision(revision[0] if revision else None)


def _require_known_revision(revision: str | None) -> None:
    if revision is None:
        raise InvalidInput("the backup has no schema version (alembic_version); it is not a portal database")
    if revision not in {known.revision for known in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}:
        raise InvalidInput(f"the backup's schema version {revision} is newer than this portal's code; "
                           "update the code, then restore")


def _require_empty_sqlite(target: Path) -> None:
    if target.exists() and target.stat().st_size > 0:
        with _open_read_only(target) as existing:
            tables = existing.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables:
            raise InvalidInput(f"{target} holds a database already; restore into a new data dir (PORTAL_DATA_DIR) "
                               "or move that file away first")
    wal = Path(f"{target}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise InvalidInput(f"{wal} exists: the portal may be running on {target}; stop it and restore into a new data dir")


def _open_read_only(path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True))


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _restore_postgresql(engine: sa.Engine, backup: Path) -> None:
    listing = _run_pg_tool("pg_restore", None, ["--list", str(backup)])
    if listing.returncode != 0:
        raise InvalidInput(f"{backup} is not a pg_dump archive ({listing.stderr.strip()}); nothing was restored")
    if "alembic_version" not in listing.stdout:
        raise InvalidInput(f"{backup} holds no portal schema (no alembic_version table); nothing was restored")
    with engine.connect() as connection:
        tables = connection.exec_driver_sql("SELECT count(*) FROM information_schema.tables "
                                            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')").scalar_one()
    if tables:
        raise InvalidInput(f"the database {engine.url.database} holds {tables} tables already; restore into a new, "
                           "empty database (createdb) and point PORTAL_DATABASE_URL at it")
    result = _run_pg_tool("pg_restore", engine.url, ["--no-owner", "--no-privileges", "--exit-on-error",
                                                     "--single-transaction", str(backup)])
    if result.returncode != 0:
        raise InvalidInput(f"pg_restore failed, nothing was restored: {result.stderr.strip()}")


def _run_pg_tool(tool: str, url: sa.URL | None, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """Run pg_dump or pg_restore, connected to `url` if given; the password travels in the
    environment, not on the command line where `ps` shows it."""
    program = shutil.which(tool)
    if program is None:
        raise InvalidInput(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    environment = dict(os.environ)
    if url is not None:
        environment["PGPASSWORD"] = url.password or ""
        libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        arguments = [*arguments, f"--dbname={libpq_url}"]
    return subprocess.run([program, *arguments], capture_output=True, text=True, check=False, env=environment)
