"""Consistent online backups of the portal database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

from services.errors import InvalidInput


def backup_database(engine: sa.Engine, destination: Path) -> Path:
    """Write a consistent copy of the live database to `destination` (which must not exist).

    SQLite: `VACUUM INTO`, safe while the portal serves. PostgreSQL: `pg_dump --format=custom`
    (restore with `pg_restore`).
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
        return _pg_dump(engine.url, destination)
    raise InvalidInput(f"backups of {backend} databases are not supported")


def _pg_dump(url: sa.URL, destination: Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise InvalidInput("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    # The password travels in the environment, not on the command line where `ps` shows it.
    environment = dict(os.environ, PGPASSWORD=url.password or "")
    libpq_url = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={destination}", f"--dbname={libpq_url}"],
        capture_output=True, text=True, check=False, env=environment,
    )
    if result.returncode != 0:
        destination.unlink(missing_ok=True)
        raise InvalidInput(f"pg_dump failed: {result.stderr.strip()}")
    return destination
