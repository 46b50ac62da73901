"""The running portal's settings and database engine, set up once at start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from data.db import create_db_engine
from data.db import unit_of_work as _unit_of_work
from services.config.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: sa.Engine
    secret_key: str


_current: Runtime | None = None


def start_runtime(settings: Settings, engine: sa.Engine | None = None) -> Runtime:
    """Create (or take) the engine for `settings` and make it the process-wide runtime."""
    global _current
    if _current is not None and _current.engine is not engine:
        _current.engine.dispose()
    _current = Runtime(
        settings=settings,
        engine=engine or create_db_engine(settings.effective_database_url),
        secret_key=settings.resolved_secret_key(),
    )
    return _current


def current_runtime() -> Runtime:
    """The runtime set up by `start_runtime`; an error before that."""
    if _current is None:
        raise RuntimeError("the portal runtime is not started")
    return _current


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A database session on the portal's engine: commits on success, rolls back on error."""
    with _unit_of_work(current_runtime().engine) as session:
        yield session
