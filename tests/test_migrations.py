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


def _check_new_notification_kind(url: str) -> None:
    import sqlalchemy as sa

    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO tier (name, can_download_pdf, can_export_csv, max_export_invoices, "
                                   "exports_per_hour, max_users, email_notifications, created_at) VALUES "
                                   "('t', true, true, 1, 1, 1, true, '2026-01-01')")
        connection.exec_driver_sql("INSERT INTO customer (ref, name, address, tier_id, is_active, created_at) "
                                   "VALUES ('c', 'c', '', 1, true, '2026-01-01')")
        connection.exec_driver_sql("INSERT INTO user_account (email, display_name, password_hash, role, customer_id, "
                                   "failed_logins, is_active, created_at, password_changed_at) VALUES "
                                   "('a@b.c', '', 'x', 'owner', 1, 0, true, '2026-01-01', '2026-01-01')")
        connection.exec_driver_sql("INSERT INTO notification (user_id, kind, title, body, in_app, email_due, "
                                   "email_attempts, created_at) VALUES (1, 'export_ready', 't', '', true, false, 0, "
                                   "'2026-01-01')")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO notification (user_id, kind, title, body, in_app, email_due, "
                                   "email_attempts, created_at) VALUES (1, 'bogus', 't', '', true, false, 0, "
                                   "'2026-01-01')")
    engine.dispose()


def test_enum_values_added_by_hand_are_enforced_on_sqlite(tmp_path: Path) -> None:
    _check_new_notification_kind(f"sqlite:///{tmp_path / 'kinds.db'}")


@pytest.mark.postgres
def test_enum_values_added_by_hand_are_enforced_on_postgresql(fresh_postgres_schema: str) -> None:
    _check_new_notification_kind(fresh_postgres_schema)
