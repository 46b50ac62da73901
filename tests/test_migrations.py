"""Migrations build the schema the code expects, from empty, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from data import metadata
from data.db import create_db_engine
from data.migrate import schema_is_current, upgrade_to_head


def _assert_migrates_from_empty(url: str) -> None:
    engine = create_db_engine(url)
    assert not schema_is_current(engine)
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # a second run is a no-op
    assert schema_is_current(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert differences == [], "models and migrations differ: write a migration"


def test_sqlite_migrates_from_empty_to_the_models(tmp_path: Path) -> None:
    _assert_migrates_from_empty(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_postgresql_migrates_from_empty_to_the_models(fresh_postgres_schema: str) -> None:
    _assert_migrates_from_empty(fresh_postgres_schema)
