"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when asked), the portal
runtime on it, and NiceGUI's simulated `user` wired to the real app."""

from __future__ import annotations

from tests.clock import start_suite_clock

# Before the portal's modules load: some read the clock when imported.
start_suite_clock()

import io
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from nicegui import core, ui
from nicegui.functions.download import download
from nicegui.functions.navigate import Navigate
from nicegui.functions.notify import notify
from nicegui.testing.general import nicegui_reset_globals
from nicegui.testing.user import User
from sqlmodel import Session

import data
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.config.runtime import Runtime, start_runtime
from services.config.settings import Settings, get_settings
from tests.factories import TEST_SECRET_KEY, Factory

POSTGRES_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"



def test_database_url() -> str | None:
    """PORTAL_TEST_DATABASE_URL runs the whole suite on that database (in a schema of its own)."""
    return os.environ.get("PORTAL_TEST_DATABASE_URL") or None


def with_schema(url: str, schema: str) -> str:
    """`url` with a PostgreSQL search_path, so tests never touch the `public` schema."""
    return str(sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))


def recreate_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run; each test then starts from a copy (SQLite) or a truncation (PostgreSQL)."""
    url = test_database_url()
    if url is None:
        path = tmp_path_factory.mktemp("template") / "portal.db"
        engine = create_db_engine(f"sqlite:///{path}")
        upgrade_to_head(engine)
        engine.dispose()
        yield str(path)
    else:
        schema = f"portal_test_{os.getpid()}"
        recreate_schema(url, schema)
        engine = create_db_engine(with_schema(url, schema))
        upgrade_to_head(engine)
        engine.dispose()
        yield with_schema(url, schema)
        base = sa.create_engine(url)
        with base.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        base.dispose()


@pytest.fixture
def engine(_template_database: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A migrated, empty database of the portal's schema."""
    if test_database_url() is None:
        path = tmp_path / "portal.db"
        shutil.copyfile(_template_database, path)
        engine = create_db_engine(f"sqlite:///{path}")
    else:
        engine = create_db_engine(_template_database)
        tables = ", ".join(f'"{table.name}"' for table in data.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            # Rows the migrations seed (as on a fresh install):
            connection.exec_driver_sql("INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, %s)",
                                       ("0" * 64,))
    yield engine
    engine.dispose()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """A database session for arranging and checking data; commit what the code under test must see.
    Made by the runtime, like the portal's own, so services see the test's settings."""
    with runtime.session() as db_session:
        yield db_session


@pytest.fixture
def make(session: Session) -> Factory:
    """Row factories bound to the test's session."""
    return Factory(session)


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Test settings; `@pytest.mark.settings(name=value)` overrides single values for one test."""
    marker = request.node.get_closest_marker("settings")
    overrides = marker.kwargs if marker else {}
    return Settings(**({"data_dir": tmp_path / "data", "secret_key": TEST_SECRET_KEY, "_env_file": None} | overrides))


@pytest.fixture
def runtime(settings: Settings, engine: sa.Engine) -> Runtime:
    """The portal runtime (settings + engine) that services and pages use."""
    return start_runtime(settings, engine)


@pytest.fixture
async def user(runtime: Runtime, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
               ) -> AsyncIterator[User]:
    """NiceGUI's simulated browser user against the real portal app (replaces the plugin's fixture)."""
    import portal

    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        # FastAPI's include_router wraps the app's lifespan around the included routers' each time:
        # restore it after every test, or the nesting grows until Python's recursion limit.
        lifespan = core.app.router.lifespan_context
        try:
            portal.wire_app(runtime)
            portal.serve(runtime)
            async with core.app.router.lifespan_context(core.app):
                async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test") as client:
                    yield User(client)
        finally:
            core.app.router.lifespan_context = lifespan
            runtime.events.clear()  # simulated clients are dropped without being deleted: forget their subscriptions
            os.environ.pop("NICEGUI_USER_SIMULATION", None)
            ui.navigate = Navigate()
            ui.notify = notify
            ui.download = download
    errors = [record for record in caplog.get_records("call") if record.levelname == "ERROR"]
    if errors and request.node.get_closest_marker("expect_error_logs") is None:
        pytest.fail(f"unexpected ERROR logs: {[record.getMessage() for record in errors]}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A reachable PostgreSQL server URL, or a skip that says how to get one (a failure in CI)."""
    url = os.environ.get("PORTAL_TEST_POSTGRES_URL", POSTGRES_DEFAULT_URL)
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        message = (f"PostgreSQL is not reachable at {sa.make_url(url).render_as_string(hide_password=True)} "
                   f"({type(error).__name__}); set PORTAL_TEST_POSTGRES_URL to run this test")
        if os.environ.get("PORTAL_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    return url


REDIS_DEFAULT_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis server URL, or a skip that says how to get one (a failure in CI)."""
    import redis

    url = os.environ.get("PORTAL_TEST_REDIS_URL", REDIS_DEFAULT_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {url} ({type(error).__name__}); set PORTAL_TEST_REDIS_URL to run this test"
        if os.environ.get("PORTAL_REQUIRE_REDIS"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def fresh_postgres_schema(postgres_url: str) -> Iterator[str]:
    """An empty schema of its own on the PostgreSQL server; the URL points into it."""
    schema = f"portal_fresh_{uuid.uuid4().hex[:12]}"
    recreate_schema(postgres_url, schema)
    yield with_schema(postgres_url, schema)
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


CLI_SECRET_KEY = "cli-test-secret-key-0123456789abcdefghij"


@pytest.fixture
def cli(engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run portal.main() against the test database; returns (exit code, stdout, stderr)."""
    import portal

    monkeypatch.setenv("PORTAL_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", CLI_SECRET_KEY)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        get_settings.cache_clear()
        out, err = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = portal.main(list(args))
        return code, out.getvalue(), err.getvalue()

    yield run
    get_settings.cache_clear()
