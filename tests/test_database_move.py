"""Growing from SQLite onto PostgreSQL: `portal.py move-to` copies the whole portal, ids, documents
and audit chain included, into a new, empty database, or refuses and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from data import AuditEvent, Customer, Document, Invoice, Payment, Role, User
from data.db import create_db_engine
from services.demo.dataset import load_demo
from services.demo.options import DemoOptions
from services.documents.store import render_missing_documents
from services.invoices.list_query import InvoiceQuery
from services.invoices.queries import list_invoices
from tests.clock import TODAY
from tests.conftest import CLI_SECRET_KEY
from tests.factories import principal_for

AS_OF = TODAY
pytestmark = pytest.mark.postgres


@pytest.fixture
def sqlite_portal(cli, tmp_path) -> sa.Engine:  # type: ignore[no-untyped-def]
    """A SQLite portal with demo data, its audit chain signed with the CLI's key."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'small.db'}")
    from data.migrate import upgrade_to_head

    upgrade_to_head(engine)
    load_demo(engine, DemoOptions(customers=3, invoices=60, seed=4, as_of=AS_OF), CLI_SECRET_KEY)
    with Session(engine) as db:
        assert render_missing_documents(db, "en_US", AS_OF, 2) == 2  # stored PDFs travel too
        db.commit()
    return engine


def _snapshot(engine: sa.Engine) -> dict[str, object]:
    with Session(engine) as db:
        viewer = db.exec(select(User).where(User.role == Role.VIEWER).order_by(User.id)).first()
        page = list_invoices(db, principal_for(viewer), InvoiceQuery(), AS_OF)  # type: ignore[arg-type]
        return {
            "invoices": [(row.id, row.number, row.total_minor, row.status) for row in page.rows],
            "payments": db.exec(select(sa.func.count()).select_from(Payment)).one(),
            "documents": sorted(db.exec(select(Document.sha256)).all()),
            "audit_head": db.exec(select(AuditEvent.row_hash).order_by(AuditEvent.seq.desc())).first(),
            "customers": sorted(db.exec(select(Customer.ref)).all()),
        }


def test_a_sqlite_portal_moves_to_postgresql_unchanged(cli, monkeypatch, sqlite_portal: sa.Engine,  # type: ignore[no-untyped-def]
                                                       fresh_postgres_schema: str) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", str(sqlite_portal.url))
    before = _snapshot(sqlite_portal)
    code, out, err = cli("move-to", fresh_postgres_schema)
    assert code == 0, err
    assert "audit chain intact" in out
    target = create_db_engine(fresh_postgres_schema)
    assert _snapshot(target) == before
    with target.begin() as connection:  # new rows get fresh ids after the copied ones
        highest = connection.execute(sa.select(sa.func.max(Customer.id))).scalar_one()
        new_id = connection.execute(sa.insert(Customer).values(ref="C-AFTER", name="After the move", tier_id=1)
                                    .returning(Customer.id)).scalar_one()
    assert new_id > highest
    target.dispose()


def test_a_target_with_data_is_refused_and_left_alone(cli, monkeypatch, sqlite_portal: sa.Engine,  # type: ignore[no-untyped-def]
                                                      fresh_postgres_schema: str) -> None:
    monkeypatch.setenv("PORTAL_DATABASE_URL", str(sqlite_portal.url))
    assert cli("move-to", fresh_postgres_schema)[0] == 0
    code, _out, err = cli("move-to", fresh_postgres_schema)
    assert code == 2 and "not empty" in err
    target = create_db_engine(fresh_postgres_schema)
    with Session(target) as db:
        assert db.exec(select(sa.func.count()).select_from(Invoice)).one() == 60
    target.dispose()
