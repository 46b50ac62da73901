"""SECURITY.md 24-27: what is audited, the hash chain catches edits, no secrets in the trail,
and no action without its audit row."""

from __future__ import annotations

import logging

import pyotp
import pytest
import sqlalchemy as sa
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AuditEvent, LoginSession
from services.audit.chain import verify_audit_chain
from services.audit.trail import record_audit
from services.auth import login
from services.auth.recovery_codes import replace_recovery_codes
from services.config.runtime import Runtime
from services.principal import RequestInfo
from tests.conftest import CLI_SECRET_KEY
from tests.factories import TEST_PASSWORD, TEST_SECRET_KEY, Factory
from tests.web import ORIGIN, post_code, post_login, sign_in

SECRET = pyotp.random_base32(32)


def _actions(session: Session) -> list[tuple[str, str, str | None]]:
    session.expire_all()
    return [(row.action, row.outcome, row.reason) for row in session.exec(select(AuditEvent).order_by(AuditEvent.seq))]


@pytest.mark.settings(login_max_failures=3)
async def test_sign_in_events_are_audited_with_who_where_and_outcome(user: SimUser, session: Session,
                                                                     make: Factory) -> None:
    make.user(email="audited@example.com", mfa_secret=SECRET)
    make.user(email="locked-out@example.com")
    session.commit()
    await post_login(user.http_client, "ghost@example.com")
    await post_login(user.http_client, "audited@example.com", "wrong password!")
    await post_login(user.http_client, "audited@example.com")
    await post_code(user.http_client, "000000" if pyotp.TOTP(SECRET).now() != "000000" else "111111")
    await post_code(user.http_client, pyotp.TOTP(SECRET).now())
    await user.http_client.post("/auth/logout", headers=ORIGIN)
    for _ in range(3):
        await post_login(user.http_client, "locked-out@example.com", "wrong password!")
    actions = _actions(session)
    assert actions[:6] == [
        ("login.password", "failure", "unknown_user"), ("login.password", "failure", "bad_password"),
        ("login.password", "success", None), ("login.mfa", "failure", "bad_totp"),
        ("login.success", "success", None), ("logout", "success", None),
    ]
    assert ("login.locked", "denied", "3 failures") in actions
    success = session.exec(select(AuditEvent).where(AuditEvent.action == "login.success")).one()
    assert success.user_id is not None and success.ip == "127.0.0.1" and success.user_agent
    assert success.session_hash and len(success.session_hash) == 64
    tokens = [row.token_hash for row in session.exec(select(LoginSession))]
    assert success.session_hash in tokens  # the hash, never the cookie value
    assert success.occurred_at.tzinfo is not None
    assert verify_audit_chain(session, TEST_SECRET_KEY).intact


async def test_password_and_mfa_changes_are_audited(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="changes@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "changes@example.com", SECRET)
    await user.http_client.post("/auth/password", headers=ORIGIN, data={
        "current": TEST_PASSWORD, "new": "another long passphrase", "repeat": "another long passphrase"})
    await user.http_client.post("/auth/recovery-codes", headers=ORIGIN)
    await user.http_client.post("/auth/sessions/revoke-others", headers=ORIGIN)
    actions = [action for action, _outcome, _reason in _actions(session)]
    assert {"password.change", "mfa.recovery_codes", "session.revoke_others"} <= set(actions)


def _write_rows(session: Session, count: int, secret_key: str = TEST_SECRET_KEY) -> list[AuditEvent]:
    rows = [record_audit(session, secret_key, "invoice.view", "success", user_id=None, object_type="invoice",
                         object_id=n, request=RequestInfo(ip="10.0.0.1", user_agent="test")) for n in range(count)]
    session.commit()
    return rows


def test_an_untouched_chain_verifies(session: Session) -> None:
    _write_rows(session, 20)
    verdict = verify_audit_chain(session, TEST_SECRET_KEY, batch_size=7)
    assert verdict.intact and verdict.rows_checked == 20


def test_an_edited_row_is_named(session: Session) -> None:
    rows = _write_rows(session, 10)
    session.execute(sa.text("UPDATE audit_event SET object_id = '999' WHERE seq = 6"))
    session.commit()
    verdict = verify_audit_chain(session, TEST_SECRET_KEY)
    assert (verdict.first_bad_seq, verdict.first_bad_id) == (6, rows[5].id)
    assert "changed" in (verdict.problem or "")


def test_a_deleted_row_is_named(session: Session) -> None:
    _write_rows(session, 10)
    session.execute(sa.text("DELETE FROM audit_event WHERE seq = 4"))
    session.commit()
    verdict = verify_audit_chain(session, TEST_SECRET_KEY)
    assert verdict.first_bad_seq == 5 and "missing" in (verdict.problem or "")


def test_deleted_newest_rows_are_noticed(session: Session) -> None:
    _write_rows(session, 10)
    session.execute(sa.text("DELETE FROM audit_event WHERE seq >= 9"))
    session.commit()
    verdict = verify_audit_chain(session, TEST_SECRET_KEY)
    assert not verdict.intact and verdict.first_bad_seq == 9


def test_reordered_rows_are_named(session: Session) -> None:
    _write_rows(session, 10)
    # Swap the positions of rows 3 and 7 (through a free number, seq is unique).
    session.execute(sa.text("UPDATE audit_event SET seq = -1 WHERE seq = 3"))
    session.execute(sa.text("UPDATE audit_event SET seq = 3 WHERE seq = 7"))
    session.execute(sa.text("UPDATE audit_event SET seq = 7 WHERE seq = -1"))
    session.commit()
    verdict = verify_audit_chain(session, TEST_SECRET_KEY)
    assert verdict.first_bad_seq == 3


def test_a_rewritten_chain_without_the_key_is_caught(session: Session) -> None:
    _write_rows(session, 5)
    # An attacker recomputes plain SHA-256 links: without the HMAC key the hashes cannot match.
    session.execute(sa.text("UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 2"))
    session.commit()
    assert verify_audit_chain(session, TEST_SECRET_KEY).first_bad_seq == 2


def test_cli_verify_reports_an_intact_chain(cli, session: Session) -> None:  # type: ignore[no-untyped-def]
    _write_rows(session, 12, CLI_SECRET_KEY)
    code, out, _ = cli("audit", "verify")
    assert code == 0 and "intact" in out and "12 rows" in out


def test_cli_verify_names_the_first_tampered_row_and_fails(cli, session: Session) -> None:  # type: ignore[no-untyped-def]
    rows = _write_rows(session, 12, CLI_SECRET_KEY)
    session.execute(sa.text("UPDATE audit_event SET outcome = 'denied' WHERE seq = 8"))
    session.execute(sa.text("DELETE FROM audit_event WHERE seq = 10"))
    session.commit()
    code, out, err = cli("audit", "verify")
    assert code == 1 and out == ""
    assert f"row 8 (id {rows[7].id})" in err and "changed" in err


async def test_no_password_code_or_token_reaches_the_audit_trail_or_logs(
    user: SimUser, session: Session, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account_user = make.user(email="secrets@example.com", mfa_secret=SECRET)
    codes = replace_recovery_codes(session, TEST_SECRET_KEY, account_user.id)  # type: ignore[arg-type]
    session.commit()
    planted = ["Planted-Wrong-Passphrase-1", TEST_PASSWORD, codes[0], codes[1], SECRET]
    await post_login(user.http_client, "secrets@example.com", planted[0])
    await post_login(user.http_client, "secrets@example.com")
    await post_code(user.http_client, codes[0])
    token = user.http_client.cookies["portal_session"]
    await post_login(user.http_client, "secrets@example.com")
    await post_code(user.http_client, "zzzzz-" + codes[1][6:])  # a wrong recovery code
    dump = "\n".join(str(tuple(row)) for row in session.execute(sa.text("SELECT * FROM audit_event")))
    logs = caplog.text
    for secret in [*planted, token]:
        assert secret not in dump, secret
        assert secret not in logs, secret


def test_control_characters_in_logged_fields_are_escaped(session: Session) -> None:
    row = record_audit(session, TEST_SECRET_KEY, "login.password", "failure",
                       request=RequestInfo(ip="1.2.3.4", user_agent="evil\r\nFAKE: line\x1b[31m"))
    assert row.user_agent == "evil\\x0d\\x0aFAKE: line\\x1b[31m"


def test_no_audit_row_means_no_login(session: Session, make: Factory, runtime: Runtime,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    make.user(email="nolog@example.com", mfa_secret=SECRET)
    session.commit()

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("INSERT INTO audit_event", {}, Exception("disk full"))

    monkeypatch.setattr(login, "record_audit", broken)
    with pytest.raises(sa.exc.OperationalError):
        with Session(session.get_bind()) as db:
            login.sign_in_with_password(db, runtime, "nolog@example.com", TEST_PASSWORD, RequestInfo())
            db.commit()
    assert session.exec(select(LoginSession)).all() == []


def _reset_head(session: Session, seq: int) -> None:
    """What an attacker with database access does after deleting the newest rows: point the chain
    head at the last row left, so that the chain alone verifies."""
    last = session.exec(select(AuditEvent.row_hash).where(AuditEvent.seq == seq)).first() if seq else None
    session.execute(sa.text("UPDATE audit_chain_head SET last_seq = :seq, last_hash = :hash"),
                    {"seq": seq, "hash": last or "0" * 64})
    session.commit()


def test_cut_newest_rows_with_a_reset_head_are_caught_by_the_checkpoint(cli, session: Session) -> None:  # type: ignore[no-untyped-def]
    _write_rows(session, 12, CLI_SECRET_KEY)
    code, out, _ = cli("audit", "verify")  # verifies and writes a checkpoint at 12 rows
    assert code == 0 and "matches its 0 checkpoint(s)" in out and "a new one was written" in out
    session.execute(sa.text("DELETE FROM audit_event WHERE seq > 9"))
    session.commit()
    _reset_head(session, 9)
    assert verify_audit_chain(session, CLI_SECRET_KEY).intact  # the chain alone cannot tell
    code, out, err = cli("audit", "verify")
    assert code == 1 and out == ""
    assert "the trail has 9 rows, but on" in err and "it had 12: rows were removed" in err


def test_an_emptied_trail_is_caught_too(cli, session: Session) -> None:  # type: ignore[no-untyped-def]
    _write_rows(session, 5, CLI_SECRET_KEY)
    assert cli("audit", "verify")[0] == 0
    session.execute(sa.text("DELETE FROM audit_event"))
    session.commit()
    _reset_head(session, 0)
    code, _, err = cli("audit", "verify")
    assert code == 1 and "the trail has 0 rows" in err


def test_a_rebuilt_chain_and_an_edited_checkpoint_file_are_caught(session: Session, runtime: Runtime) -> None:
    from services.audit.checkpoints import checkpoint_path, verify_trail, write_checkpoint

    _write_rows(session, 6)
    write_checkpoint(session, runtime.settings, TEST_SECRET_KEY)
    # Rows 4..6 replaced by others with valid links (as if someone had the key for the rows but
    # not the checkpoint): the chain verifies, the checkpoint's hash at row 6 does not match.
    session.execute(sa.text("DELETE FROM audit_event WHERE seq > 3"))
    session.commit()
    _reset_head(session, 3)
    _write_rows(session, 3)
    verdict = verify_trail(session, runtime.settings, TEST_SECRET_KEY)
    assert verdict.chain.intact and not verdict.intact
    assert "row 6 differs from the checkpoint" in verdict.problems()[0]
    assert not verdict.checkpoint_written

    path = checkpoint_path(runtime.settings)
    path.write_text(path.read_text().replace('"seq": 6', '"seq": 5'))  # moving the pin back breaks its MAC
    verdict = verify_trail(session, runtime.settings, TEST_SECRET_KEY)
    assert any("not genuine checkpoints: it was edited" in problem for problem in verdict.problems())


def test_a_trail_that_shrank_between_checkpoints_is_caught(session: Session, runtime: Runtime) -> None:
    from services.audit.checkpoints import verify_trail, write_checkpoint

    _write_rows(session, 8)
    write_checkpoint(session, runtime.settings, TEST_SECRET_KEY)
    session.execute(sa.text("DELETE FROM audit_event WHERE seq > 5"))
    session.commit()
    _reset_head(session, 5)
    write_checkpoint(session, runtime.settings, TEST_SECRET_KEY)  # the schedule ran after the cut
    _write_rows(session, 4)  # and the trail grew past the old length again
    problems = verify_trail(session, runtime.settings, TEST_SECRET_KEY).problems()
    assert problems and "the trail had 8 rows" in problems[0] and "but 5 on" in problems[0]


def test_after_a_restore_checkpoints_count_anew(session: Session, runtime: Runtime) -> None:
    from services.audit.checkpoints import record_restore, verify_trail, write_checkpoint

    _write_rows(session, 8)
    write_checkpoint(session, runtime.settings, TEST_SECRET_KEY)
    session.execute(sa.text("DELETE FROM audit_event WHERE seq > 5"))  # the backup held 5 rows
    session.commit()
    _reset_head(session, 5)
    record_restore(session, runtime.settings, TEST_SECRET_KEY)
    verdict = verify_trail(session, runtime.settings, TEST_SECRET_KEY)
    assert verdict.intact and verdict.checkpoint_written and verdict.checkpoints.checkpoints == 1
