"""Schema migrations (Alembic), run by `python portal.py migrate` and on start."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: sa.Engine) -> Config:
    """An Alembic config pointing at our migrations and at `engine`'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs carry %-escapes (e.g. search_path options).
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_to_head(engine: sa.Engine) -> None:
    """Apply every migration not yet applied (a no-op when the schema is current)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_is_current(engine: sa.Engine) -> bool:
    """True when the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def new_revision(engine: sa.Engine, message: str) -> None:
    """Write a migration for the difference between the models and `engine`'s (current) schema."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    next_id = f"{len(list(script.walk_revisions())) + 1:04d}"
    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=next_id)


if __name__ == "__main__":
    import argparse

    from data.db import create_db_engine

    parser = argparse.ArgumentParser(description="Write a new migration from the models (autogenerate).")
    parser.add_argument("message", help="what changed, e.g. 'add export jobs'")
    parser.add_argument("--database-url", default="sqlite:///var/portal.db", help="a database at the newest revision")
    arguments = parser.parse_args()
    new_revision(create_db_engine(arguments.database_url), arguments.message)
