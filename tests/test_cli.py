"""`python portal.py …`: each command does its job and explains bad input without losing data."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from data import Invoice, Role, User
from services.auth.passwords import verify_password
from tests.factories import Factory

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_every_command() -> None:
    result = subprocess.run([sys.executable, "portal.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    for command in ("serve", "migrate", "demo", "create-user", "backup", "restore", "audit"):
        assert command in result.stdout


def test_create_user_reads_the_password_from_stdin(cli, session: Session, make: Factory) -> None:  # type: ignore[no-untyped-def]
    customer = make.customer(ref="C-42")
    session.commit()
    code, out, err = cli("create-user", "--email", "Ana@Example.com", "--role", "accountant", "--customer", "C-42",
                         stdin="a long enough passphrase\n")
    assert (code, err) == (0, "")
    assert "Created accountant ana@example.com" in out
    user = session.exec(select(User).where(User.email == "ana@example.com")).one()
    assert user.customer_id == customer.id and user.role == Role.ACCOUNTANT
    assert verify_password(user.password_hash, "a long enough passphrase")
    assert "passphrase" not in out


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "owner", "--customer", "C-1"], "short", "at least 10 characters"),
        (["--role", "owner", "--customer", "C-1"], "password123", "most common"),
        (["--role", "owner", "--customer", "C-404"], "a long enough passphrase", "no customer with reference"),
        (["--role", "owner"], "a long enough passphrase", "name the customer with --customer"),
        (["--role", "admin", "--customer", "C-1"], "a long enough passphrase", "staff role"),
    ],
)
def test_create_user_explains_bad_input_and_creates_nothing(  # type: ignore[no-untyped-def]
    cli, session: Session, make: Factory, args: list[str], password: str, message: str
) -> None:
    make.customer(ref="C-1")
    session.commit()
    code, _out, err = cli("create-user", "--email", "new@example.com", *args, stdin=password + "\n")
    assert code == 2
    assert message in err
    assert session.exec(select(User).where(User.email == "new@example.com")).first() is None


def test_create_user_refuses_a_taken_email(cli, session: Session, make: Factory) -> None:  # type: ignore[no-untyped-def]
    make.user(email="taken@example.com", role=Role.ADMIN)
    session.commit()
    code, _out, err = cli("create-user", "--email", "TAKEN@example.com", "--role", "support",
                          stdin="a long enough passphrase\n")
    assert code == 2 and "exists already" in err


def test_demo_command_loads_data_and_prints_the_logins(cli, session: Session) -> None:  # type: ignore[no-untyped-def]
    code, out, _err = cli("demo", "--customers", "3", "--invoices", "120", "--seed", "1", "--password",
                          "another demo passphrase")
    assert code == 0
    assert "Loaded 3 customers, 120 invoices" in out
    assert "owner@mueller.example" in out and "another demo passphrase" in out
    assert session.exec(select(func.count()).select_from(Invoice)).one() == 120


def test_sqlite_backup_is_a_consistent_copy(cli, engine: sa.Engine, session: Session, make: Factory,  # type: ignore[no-untyped-def]
                                            tmp_path: Path) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite backup; PostgreSQL has its own test")
    for _ in range(3):
        make.invoice()
    session.commit()
    target = tmp_path / "backup.db"
    code, out, _err = cli("backup", str(target))
    assert code == 0 and "Backup written" in out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM invoice").fetchone() == (3,)


def test_backup_never_overwrites_a_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "precious.db"
    target.write_text("keep me")
    code, _out, err = cli("backup", str(target))
    assert code == 2 and "exists already" in err
    assert target.read_text() == "keep me"


@pytest.mark.postgres
def test_postgresql_backup_uses_pg_dump(fresh_postgres_schema: str, tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed (apt-get install postgresql-client)")
    from data.db import create_db_engine
    from data.migrate import upgrade_to_head
    from services.operations.backup import backup_database

    engine = create_db_engine(fresh_postgres_schema)
    upgrade_to_head(engine)
    target = backup_database(engine, tmp_path / "portal.dump")
    engine.dispose()
    listing = subprocess.run(["pg_restore", "--list", str(target)], capture_output=True, text=True, check=True)
    assert "TABLE" in listing.stdout and "invoice" in listing.stdout


def test_restore_refuses_a_database_that_holds_data_and_leaves_it_alone(cli, session: Session, make: Factory,  # type: ignore[no-untyped-def]
                                                                       tmp_path: Path) -> None:
    make.invoice(number="STAYS-1")
    session.commit()
    backup = tmp_path / "portal.backup"
    assert cli("backup", str(backup))[0] == 0
    code, _out, err = cli("restore", str(backup))
    assert code == 2 and "already" in err and "new" in err
    assert session.exec(select(Invoice.number)).all() == ["STAYS-1"]


@pytest.fixture
def new_data_dir(engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI configured for a new, empty data dir (SQLite's default file in it)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("checks of SQLite backup files; tests/test_backup_restore.py drills PostgreSQL")
    monkeypatch.delenv("PORTAL_DATABASE_URL")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "new"))
    return tmp_path / "new"


def corrupt_backup(engine: sa.Engine, session: Session, make: Factory, path: Path) -> None:
    """A real backup whose header miscounts the free pages, as a bad disk sector could leave it."""
    from services.operations.backup import backup_database

    make.invoice()
    session.commit()
    backup_database(engine, path)
    with path.open("r+b") as handle:
        handle.seek(36)  # the header's count of free pages
        handle.write((7).to_bytes(4, "big"))


@pytest.mark.parametrize("damage", ["corrupt", "not a database", "missing"])
def test_restore_refuses_a_damaged_backup_and_writes_nothing(  # type: ignore[no-untyped-def]
    cli, engine: sa.Engine, session: Session, make: Factory, tmp_path: Path, new_data_dir: Path, damage: str
) -> None:
    backup = tmp_path / "portal.backup"
    if damage == "corrupt":
        corrupt_backup(engine, session, make, backup)
    elif damage == "not a database":
        backup.write_text("these are not the pages you are looking for\n" * 100)
    code, _out, err = cli("restore", str(backup))
    assert code == 2 and {"corrupt": "failed its integrity check", "not a database": "not a SQLite database",
                          "missing": "is not a file"}[damage] in err, err
    assert not (new_data_dir / "portal.db").exists()
    assert not list(new_data_dir.glob("portal.db*"))


def test_restore_under_another_secret_key_says_the_audit_trail_does_not_verify(  # type: ignore[no-untyped-def]
    cli, engine: sa.Engine, session: Session, tmp_path: Path, new_data_dir: Path
) -> None:
    from services.audit.trail import record_audit
    from services.operations.backup import backup_database

    record_audit(session, "the-old-portals-secret-key-0123456789abcdef", "invoice.view", "success")
    session.commit()
    backup = backup_database(engine, tmp_path / "portal.backup")
    code, out, err = cli("restore", str(backup))  # PORTAL_SECRET_KEY is the cli fixture's, not the old one
    assert "Backup checked and restored" in out and (new_data_dir / "portal.db").exists()
    assert code == 1 and "TAMPERED: row 1 (" in err and "secret_key" in err
