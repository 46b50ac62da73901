"""SECURITY.md 6, 7, 10, 11: RFC 6238 codes, no replay, recovery codes, secrets sealed at rest."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import RecoveryCode, User
from services.auth.recovery_codes import redeem_recovery_code, replace_recovery_codes
from services.auth.totp import (
    claim_step,
    current_step,
    matching_step,
    new_secret,
    open_secret,
    quote_secret_for_display,
    seal_secret,
)
from services.config.keys import DecryptionError
from services.config.runtime import Runtime
from tests.factories import TEST_SECRET_KEY, Factory
from tests.web import ORIGIN, post_code, post_login

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

NOW = datetime(2026, 11, 26, 12, 0, 15, tzinfo=timezone.utc)


def test_codes_from_the_neighbouring_steps_pass_and_farther_ones_fail() -> None:
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    step = current_step(NOW)
    for offset, accepted in [(-2, False), (-1, True), (0, True), (1, True), (2, False)]:
        code = totp.at(NOW + timedelta(seconds=30 * offset))
        assert (matching_step(secret, code, NOW) == step + offset) is accepted, offset


def test_secrets_carry_at_least_160_bits() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(secret) * 5 >= 160 for secret in secrets)


def test_malformed_codes_never_match() -> None:
    secret = new_secret()
    for code in ["", "12345", "1234567", "abcdef", "12345a", "٣٣٣٣٣٣"]:
        assert matching_step(secret, code, NOW) is None


def test_a_step_can_be_used_once_and_never_an_older_one(session: Session, make: Factory) -> None:
    user = make.user()
    assert user.id is not None
    assert claim_step(session, user.id, 1000)
    assert not claim_step(session, user.id, 1000)
    assert not claim_step(session, user.id, 999)
    assert claim_step(session, user.id, 1001)


def test_of_two_identical_concurrent_codes_exactly_one_wins(engine: sa.Engine, session: Session,
                                                             make: Factory) -> None:
    user = make.user()
    session.commit()
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        with Session(engine) as db:
            barrier.wait()
            won = claim_step(db, user.id, 5000)  # type: ignore[arg-type]
            db.commit()
            results.append(won)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]


async def test_a_replayed_code_is_refused_at_sign_in(user: SimUser, session: Session, make: Factory) -> None:
    secret = new_secret()
    make.user(email="replay@example.com", mfa_secret=secret)
    session.commit()
    code = pyotp.TOTP(secret).now()
    await post_login(user.http_client, "replay@example.com")
    assert (await post_code(user.http_client, code)).headers["location"] == "/"
    user.http_client.cookies.clear()
    await post_login(user.http_client, "replay@example.com")
    assert (await post_code(user.http_client, code)).headers["location"] == "/login/mfa?error=code"


def test_recovery_codes_are_ten_hashed_single_use_and_replaced_whole(session: Session, make: Factory) -> None:
    user = make.user()
    assert user.id is not None
    codes = replace_recovery_codes(session, TEST_SECRET_KEY, user.id)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = [row.code_hash for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id))]
    assert not any(code.replace("-", "") in stored_hash for code in codes for stored_hash in stored)
    assert redeem_recovery_code(session, TEST_SECRET_KEY, user.id, codes[0].upper())  # case and dash forgiving
    assert not redeem_recovery_code(session, TEST_SECRET_KEY, user.id, codes[0])
    new_codes = replace_recovery_codes(session, TEST_SECRET_KEY, user.id)
    assert not redeem_recovery_code(session, TEST_SECRET_KEY, user.id, codes[1])
    assert redeem_recovery_code(session, TEST_SECRET_KEY, user.id, new_codes[1])


async def test_enrolment_stores_no_readable_secret(user: SimUser, session: Session, engine: sa.Engine, runtime: Runtime,
                                                   make: Factory) -> None:
    make.user(email="enrol@example.com")
    session.commit()
    await post_login(user.http_client, "enrol@example.com")
    page = await user.http_client.get("/login/enroll")
    assert page.status_code == 200
    stored = session.exec(select(User).where(User.email == "enrol@example.com")).one()
    assert stored.totp_secret_encrypted is None
    # The key shown on the page is the pending one; confirm it with a code.
    from services.auth.login import begin_enrollment

    enrollment = begin_enrollment(session, runtime, user.http_client.cookies["portal_session"])
    session.commit()
    assert enrollment is not None
    assert quote_secret_for_display(enrollment.secret) in page.text  # the same pending key the page showed
    response = await user.http_client.post("/auth/mfa/enroll", data={"code": pyotp.TOTP(enrollment.secret).now()},
                                           headers=ORIGIN)
    assert response.headers["location"] == "/account/recovery-codes"
    dump = "\n".join(str(row) for table in ("user_account", "login_session", "recovery_code")
                     for row in session.execute(sa.text(f"SELECT * FROM {table}")))  # noqa: S608
    assert enrollment.secret not in dump
    assert enrollment.secret.lower() not in dump.lower()


def test_tampered_secret_ciphertext_fails_closed() -> None:
    sealed = seal_secret(TEST_SECRET_KEY, new_secret())
    version, body = sealed.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    for broken in (f"{version}.{flipped}", sealed[:-4], "v2." + body, ""):
        try:
            open_secret(TEST_SECRET_KEY, broken)
        except DecryptionError:
            continue
        raise AssertionError(f"{broken!r} decrypted")
    try:
        open_secret("another-secret-key-of-sufficient-length-000", sealed)
    except DecryptionError:
        pass
    else:
        raise AssertionError("decrypted with the wrong key")


async def test_a_tampered_stored_secret_refuses_sign_in(user: SimUser, session: Session, make: Factory) -> None:
    secret = new_secret()
    account = make.user(email="tamper@example.com", mfa_secret=secret)
    account.totp_secret_encrypted = account.totp_secret_encrypted[:-6] + "AAAAAA"  # type: ignore[index]
    session.commit()
    await post_login(user.http_client, "tamper@example.com")
    response = await post_code(user.http_client, pyotp.TOTP(secret).now())
    assert response.headers["location"] == "/login/mfa?error=code"
