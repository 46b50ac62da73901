"""The backup and restore drill: a portal with data is backed up with `portal.py backup`, restored
with `portal.py restore` into a new data dir, checks out whole (integrity, audit chain), and serves
the same invoices, payments and PDFs as before, through the services and over HTTP.

This module's `engine` and `settings` are the restored portal's, so the shared fixtures (`session`,
`runtime`, `user`) run against the restore. The drill follows the suite's database: SQLite files,
or two new PostgreSQL databases under PORTAL_TEST_DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

import portal
from data import Invoice, User, utcnow
from data.db import create_db_engine
from services.audit.chain import verify_audit_chain
from services.auth.totp import seal_secret
from services.config.settings import SECRET_KEY_FILE, Settings, get_settings
from services.demo.dataset import load_demo
from services.demo.options import DEFAULT_DEMO_PASSWORD, DemoOptions
from services.documents.store import document_hash, ensure_document
from services.invoices.list_query import InvoiceQuery
from services.invoices.queries import account_summary, get_invoice_detail, list_invoices
from services.principal import Principal
from tests import conftest
from tests.clock import TODAY
from tests.factories import TEST_SECRET_KEY, principal_for
from tests.web import sign_in

AS_OF = TODAY
OWNER = "owner@mueller.example"  # the demo's owner of its first customer
SECRET = pyotp.random_base32(32)
PDFS_BEFORE_BACKUP = 4


@dataclass(frozen=True)
class Drill:
    old_dir: Path
    new_dir: Path
    new_url: str | None  # None: the SQLite default in new_dir
    backup: Path
    served_before: list
    audit_rows_before: int
    restore_output: str


def served_to(db: Session, principal: Principal) -> list:
    """Everything the owner is shown: the summary, then each invoice in full with its PDF's hash."""
    page = list_invoices(db, principal, InvoiceQuery(page_size=100), AS_OF)
    assert 0 < page.total <= 100
    details = [get_invoice_detail(db, principal, row.id, AS_OF, secret_key=TEST_SECRET_KEY, audit_action=None)
               for row in page.rows]
    return [account_summary(db, principal, AS_OF), page.rows,
            [(detail, document_hash(db, detail.id, detail.revision)) for detail in details]]


def owner_principal(db: Session) -> Principal:
    return principal_for(db.exec(select(User).where(User.email == OWNER)).one())


def build_old_portal(engine: sa.Engine) -> tuple[list, int]:
    """Demo data with its audit history, an owner with an authenticator, a few PDFs and audited
    views; returns what the owner is served and how many audit rows there are."""
    load_demo(engine, DemoOptions(customers=3, invoices=45, seed=8, as_of=AS_OF), TEST_SECRET_KEY)
    with Session(engine) as db:
        owner = db.exec(select(User).where(User.email == OWNER)).one()
        owner.totp_secret_encrypted, owner.mfa_enrolled_at = seal_secret(TEST_SECRET_KEY, SECRET), utcnow()
        db.add(owner)
        principal = owner_principal(db)
        for row in list_invoices(db, principal, InvoiceQuery(), AS_OF).rows[:PDFS_BEFORE_BACKUP]:
            detail = get_invoice_detail(db, principal, row.id, AS_OF, secret_key=TEST_SECRET_KEY)  # audited
            ensure_document(db, db.get(Invoice, detail.id), "en_US", AS_OF)  # type: ignore[arg-type]
        db.commit()
        verdict = verify_audit_chain(db, TEST_SECRET_KEY)
        assert verdict.intact and verdict.rows_checked > PDFS_BEFORE_BACKUP
        return served_to(db, principal), verdict.rows_checked


def run_portal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path,
               database_url: str | None, *args: str) -> tuple[int, str]:
    """`python portal.py ARGS` in-process, configured like an operator would: data dir (+ URL)."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    if database_url:
        monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        code = portal.main(list(args))
    finally:
        get_settings.cache_clear()
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def database_urls(tmp_path: Path, _template_database: str) -> Iterator[tuple[str, str | None]]:
    """(old portal's URL, new portal's URL): SQLite files (the new one is the data dir's default),
    or two new PostgreSQL databases, the old one migrated, the new one empty."""
    server = conftest.test_database_url()
    if server is None:
        old = tmp_path / "old" / "portal.db"
        old.parent.mkdir()
        shutil.copyfile(_template_database, old)
        yield f"sqlite:///{old}", None
        return
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    names = [f"portal_drill_{uuid.uuid4().hex[:10]}_{side}" for side in ("old", "new")]
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    urls = [sa.make_url(server).set(database=name).render_as_string(hide_password=False) for name in names]
    from data.migrate import upgrade_to_head

    old_engine = create_db_engine(urls[0])
    upgrade_to_head(old_engine)
    old_engine.dispose()
    try:
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def drill(tmp_path: Path, database_urls: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Drill:
    """Back up the old portal with the CLI and restore it with the CLI into a new data dir."""
    old_url, new_url = database_urls
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir(exist_ok=True)
    (old_dir / SECRET_KEY_FILE).write_text(TEST_SECRET_KEY + "\n")  # as generated on the old portal's first start
    old_engine = create_db_engine(old_url)
    served_before, audit_rows = build_old_portal(old_engine)
    old_engine.dispose()
    backup = tmp_path / "backups" / "portal-backup"
    backup.parent.mkdir()
    code, output = run_portal(monkeypatch, capsys, old_dir, None if old_url.startswith("sqlite") else old_url,
                              "backup", str(backup))
    assert code == 0, output

    new_dir.mkdir()
    code, output = run_portal(monkeypatch, capsys, new_dir, new_url, "restore", str(backup))
    assert code == 2 and "no secret key" in output  # never under a new key: TOTP and the audit chain need the old
    shutil.copy2(old_dir / SECRET_KEY_FILE, new_dir / SECRET_KEY_FILE)
    code, output = run_portal(monkeypatch, capsys, new_dir, new_url, "restore", str(backup))
    assert code == 0, output
    return Drill(old_dir, new_dir, new_url, backup, served_before, audit_rows, output)


@pytest.fixture
def engine(drill: Drill) -> Iterator[sa.Engine]:
    """The restored portal's database."""
    restored = create_db_engine(drill.new_url or f"sqlite:///{drill.new_dir / 'portal.db'}")
    yield restored
    restored.dispose()


@pytest.fixture
def settings(drill: Drill) -> Settings:
    """The restored portal's settings: its data dir, its key from the copied key file."""
    return Settings(data_dir=drill.new_dir, database_url=drill.new_url, _env_file=None)


def test_the_restore_checks_out_whole_and_keeps_the_audit_chain(drill: Drill, engine: sa.Engine) -> None:
    assert "Backup checked and restored" in drill.restore_output
    assert "3 customers, 45 invoices" in drill.restore_output
    assert f"Audit trail intact: {drill.audit_rows_before:,} rows verified;" in drill.restore_output
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(drill.new_dir / "portal.db") as restored:
            assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with Session(engine) as db:
        assert verify_audit_chain(db, TEST_SECRET_KEY).intact


def test_the_restored_portal_serves_the_same_invoices_payments_and_pdfs(drill: Drill, session: Session) -> None:
    assert served_to(session, owner_principal(session)) == drill.served_before
    hashes = [pdf_hash for _detail, pdf_hash in drill.served_before[2]]
    assert sum(pdf_hash is not None for pdf_hash in hashes) == PDFS_BEFORE_BACKUP
    assert any(detail.payments for detail, _hash in drill.served_before[2])


async def test_users_sign_in_to_the_restored_portal_and_download_the_same_pdf(
    drill: Drill, user: SimUser, session: Session
) -> None:
    detail, stored_hash = next((detail, pdf_hash) for detail, pdf_hash in drill.served_before[2] if pdf_hash)
    await sign_in(user.http_client, OWNER, SECRET, password=DEFAULT_DEMO_PASSWORD)  # TOTP secret decrypts
    response = await user.http_client.get(f"/invoices/{detail.id}/pdf")
    assert response.status_code == 200
    assert response.headers["x-content-sha256"] == stored_hash == hashlib.sha256(response.content).hexdigest()
    page = await user.http_client.get(f"/invoices/{detail.id}")
    assert page.status_code == 200
    session.expire_all()
    verdict = verify_audit_chain(session, TEST_SECRET_KEY)  # new rows chain on to the restored ones
    assert verdict.intact and verdict.rows_checked > drill.audit_rows_before
