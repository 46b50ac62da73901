"""The running portal: its settings, database engine and secret key, made once at start and passed on.

Services take the runtime (or the unit of work it opens) as an argument; the web layer gets it from
the app that `portal.create_app` wired (`web.dependencies`). Nothing keeps a process-wide copy: the
live event bus open pages subscribe to is the runtime's too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from data.db import create_db_engine
from data.db import unit_of_work as _unit_of_work
from data.types import utcnow
from services.config.settings import Settings
from services.live_events import EVENTS_INFO, EventBus

SETTINGS_INFO = "portal_settings"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: sa.Engine
    secret_key: str
    started_at: datetime = field(default_factory=utcnow)  # work "running" from before this never finishes
    events: EventBus = field(default_factory=EventBus, compare=False)  # live changes for open pages

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A database session on the portal's engine: commits on success, rolls back on error."""
        with _unit_of_work(self.engine, self.session_info()) as session:
            yield session

    def session(self) -> Session:
        """A plain session on the portal's engine (the caller commits), carrying the settings too."""
        return Session(self.engine, expire_on_commit=False, info=self.session_info())

    def session_info(self) -> dict[str, object]:
        """What the portal's sessions carry for services that judge by settings inside a transaction
        (the access monitor's limits, read as each audit row is written) or announce what they
        committed (sessions that ended)."""
        return {SETTINGS_INFO: self.settings, EVENTS_INFO: self.events}


def start_runtime(settings: Settings, engine: sa.Engine | None = None) -> Runtime:
    """The runtime for `settings`: on `engine`, or on a new engine for the configured database."""
    return Runtime(
        settings=settings,
        engine=engine or create_db_engine(settings.effective_database_url),
        secret_key=settings.resolved_secret_key(),
    )
