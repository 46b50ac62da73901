"""SECURITY.md 1, 2, 5: argon2id hashing, password rules, no default account."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.low_level import Type
from nicegui.testing import User as SimUser
from sqlmodel import Session, func, select

from data import User
from data.db import create_db_engine
from data.migrate import upgrade_to_head
from services.auth.passwords import check_new_password, hash_password, needs_rehash, verify_password
from services.errors import InvalidInput
from tests.factories import TEST_PASSWORD, Factory
from tests.web import post_login


def test_hashes_are_argon2id_at_or_above_owasp_minimums() -> None:
    parameters = extract_parameters(hash_password("a long enough passphrase"))
    assert parameters.type == Type.ID
    assert parameters.memory_cost >= 19456 and parameters.time_cost >= 2 and parameters.parallelism >= 1


async def test_a_weaker_hash_is_upgraded_at_sign_in(user: SimUser, session: Session, make: Factory) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(TEST_PASSWORD)
    account = make.user(email="weak@example.com", password_hash=weak)
    session.commit()
    assert needs_rehash(weak)
    response = await post_login(user.http_client, "weak@example.com")
    assert response.status_code == 303 and response.headers["location"].startswith("/login/enroll")
    session.expire_all()
    upgraded = session.get(User, account.id).password_hash  # type: ignore[union-attr]
    assert upgraded != weak and not needs_rehash(upgraded)
    assert verify_password(upgraded, TEST_PASSWORD)


def test_unicode_passphrases_with_spaces_verify_byte_exact() -> None:
    passphrase = "  Grüße aus Łódź, 東京 und 🧾  "
    stored = hash_password(passphrase)
    assert verify_password(stored, passphrase)
    assert not verify_password(stored, passphrase.strip())
    assert not verify_password(stored, passphrase.replace("ü", "u\u0308"))  # same look, other bytes


@pytest.mark.parametrize(("password", "code"), [
    ("short", "too_short"), ("123456789", "too_short"), ("x" * 1025, "too_long"),
    ("password123", "common"), ("QWERTYUIOP", "common"), ("1234567890", "common"),
])
def test_weak_passwords_are_refused_with_a_reason(password: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_new_password(password)
    assert refused.value.code == code


@pytest.mark.parametrize("password", ["a" * 10 + "!", "x" * 1024, "correct horse battery staple", "Łódź 東京 🧾 ok!"])
def test_good_passwords_are_accepted(password: str) -> None:
    check_new_password(password)


def test_a_fresh_install_has_no_account(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_db_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade_to_head(engine)
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(User)).one() == 0
    engine.dispose()
