"""The metadata every table shares, with constraint names Alembic can rely on."""

from sqlmodel import SQLModel

# Deterministic constraint names: migrations on SQLite (batch mode) and PostgreSQL need them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata
