"""SECURITY.md 3, 4, 8, 9, 13, 17, 19: one answer for every failure, throttling, lockout, the
two-step login with rotating ids, same-origin posts, and deny by default for every route."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from nicegui import app as nicegui_app
from nicegui.testing import User as SimUser
from sqlmodel import Session, select
from starlette.routing import Route

import services.auth.passwords as passwords
from data import LoginSession, Role, User, utcnow
from routes.access_gate import HALF_SESSION_PATHS, PUBLIC_PATHS, is_public
from services.auth.sessions import token_hash
from tests.factories import TEST_PASSWORD, Factory
from tests.web import ORIGIN, post_code, post_login, sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


@pytest.fixture
def count_hashing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verify call, as it happens."""
    calls: list[str] = []
    real = passwords._hasher

    class CountingHasher:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    return calls


async def test_every_failure_looks_the_same_and_costs_one_hash(
    user: SimUser, session: Session, make: Factory, count_hashing: list[str]
) -> None:
    make.user(email="wrong@example.com")
    make.user(email="locked@example.com", locked_until=utcnow() + timedelta(minutes=10))
    make.user(email="disabled@example.com", is_active=False)
    session.commit()
    answers = []
    for email, password in [("nobody@example.com", TEST_PASSWORD), ("wrong@example.com", "not the password"),
                            ("locked@example.com", TEST_PASSWORD), ("disabled@example.com", TEST_PASSWORD)]:
        count_hashing.clear()
        user.http_client.cookies.clear()  # each attempt as a new visitor
        response = await post_login(user.http_client, email, password)
        assert len(count_hashing) == 1, f"{email}: hasher ran {len(count_hashing)} times"
        answers.append((response.status_code, response.headers["location"], response.text,
                        sorted(c.split("=")[0] for c in response.headers.get_list("set-cookie"))))
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0][:2] == (303, "/login?error=invalid")
    assert "portal_session" not in str(answers[0][3])


@pytest.mark.settings(login_posts_per_ip_minute=100)
async def test_ten_failures_lock_the_account_for_fifteen_minutes(user: SimUser, session: Session, make: Factory) -> None:
    victim = make.user(email="victim@example.com", mfa_secret=SECRET)
    session.commit()
    for _ in range(10):
        assert (await post_login(user.http_client, "victim@example.com", "guess guess guess")).headers[
            "location"] == "/login?error=invalid"
    locked = await post_login(user.http_client, "victim@example.com")  # the right password, too late
    assert locked.headers["location"] == "/login?error=invalid"
    session.expire_all()
    assert session.get(User, victim.id).locked_until is not None  # type: ignore[union-attr]
    with time_machine.travel(utcnow() + timedelta(minutes=16)):
        after = await post_login(user.http_client, "victim@example.com")
    assert after.headers["location"].startswith("/login/mfa")


@pytest.mark.settings(login_posts_per_ip_minute=100)
async def test_wrong_codes_count_toward_the_lockout(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="codes@example.com", mfa_secret=SECRET)
    session.commit()
    for _ in range(2):  # 2 × 5 wrong codes = 10 failures
        assert (await post_login(user.http_client, "codes@example.com")).status_code == 303
        for _ in range(5):
            await post_code(user.http_client, "000000")
    response = await post_login(user.http_client, "codes@example.com")
    assert response.headers["location"] == "/login?error=invalid"


async def test_more_than_ten_posts_a_minute_from_one_address_get_429(user: SimUser) -> None:
    statuses = [(await post_login(user.http_client, f"x{i}@example.com", "whatever")).status_code for i in range(11)]
    assert statuses[:10] == [303] * 10
    assert statuses[10] == 429
    throttled = await post_login(user.http_client, "x@example.com", "whatever")
    assert throttled.status_code == 429 and "Too many sign-in attempts" in throttled.text
    assert throttled.headers["retry-after"] == "60"


async def test_five_wrong_codes_discard_the_half_login(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="half@example.com", mfa_secret=SECRET)
    session.commit()
    await post_login(user.http_client, "half@example.com")
    half_token = user.http_client.cookies["portal_session"]
    for _attempt in range(5):
        response = await post_code(user.http_client, "123456" if pyotp.TOTP(SECRET).now() != "123456" else "654321")
    assert response.headers["location"] == "/login?error=invalid"
    row = session.exec(select(LoginSession).where(LoginSession.token_hash == token_hash(half_token))).one()
    assert row.revoked_at is not None and row.revoked_reason == "mfa_failures"
    # Even the right code is now useless with that half login.
    user.http_client.cookies.set("portal_session", half_token)
    late = await post_code(user.http_client, pyotp.TOTP(SECRET).now())
    assert late.status_code == 303 and late.headers["location"].startswith("/login?")
    assert "portal_session=" not in late.headers.get("set-cookie", "")


async def test_session_id_rotates_after_each_step_and_old_ids_fail(user: SimUser, session: Session,
                                                                 make: Factory) -> None:
    make.user(email="rotate@example.com", mfa_secret=SECRET)
    session.commit()
    await post_login(user.http_client, "rotate@example.com")
    half_token = user.http_client.cookies["portal_session"]
    assert len(half_token) >= 22  # ≥ 128 bits, urlsafe base64
    await post_code(user.http_client, pyotp.TOTP(SECRET).now())
    full_token = user.http_client.cookies["portal_session"]
    assert full_token != half_token
    assert (await user.http_client.get("/settings")).status_code == 200
    user.http_client.cookies.set("portal_session", half_token)
    assert (await user.http_client.get("/settings")).headers["location"].startswith("/login")


async def test_a_password_alone_opens_nothing(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="pwonly@example.com", mfa_secret=SECRET)
    session.commit()
    await post_login(user.http_client, "pwonly@example.com")
    for path in ("/", "/settings", "/account/recovery-codes", "/invoices/1", "/admin", "/api/anything"):
        response = await user.http_client.get(path)
        assert response.status_code in (303, 401), path
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login"), path
    assert (await user.http_client.get("/login/mfa")).status_code == 200


def _registered_paths(routes: list | None = None) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route, including those of included routers."""
    paths = []
    for route in nicegui_app.routes if routes is None else routes:
        if hasattr(route, "original_router"):  # FastAPI keeps an included router as one lazy route
            paths += _registered_paths(route.original_router.routes)
        elif isinstance(route, Route) and route.methods:
            paths += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return paths


async def test_every_registered_route_needs_a_full_session_unless_allowlisted(user: SimUser) -> None:
    await user.open("/login")  # make sure the app is fully started
    checked: list[str] = []
    for method, path in _registered_paths():
        if is_public(path):
            continue
        concrete = path.replace("{", "").replace("}", "").replace(":path", "")
        response = await user.http_client.request(method, concrete, headers=ORIGIN)
        assert response.status_code in (303, 401), f"{method} {path} answered {response.status_code} without a session"
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login?next="), path
        checked.append(f"{method} {path}")
    assert {"GET /", "GET /settings", "POST /auth/logout", "POST /auth/password", "POST /auth/mfa"} <= set(checked)
    # The allowlist is short and deliberate.
    assert PUBLIC_PATHS == {"/login", "/auth/login", "/auth/invite", "/healthz", "/favicon.ico",
                            "/api/ledger/events"}  # signed by HMAC instead
    assert HALF_SESSION_PATHS <= {"/login/mfa", "/login/enroll", "/auth/mfa", "/auth/mfa/enroll", "/auth/logout"}


async def test_a_file_upload_to_a_page_needs_a_full_session(user: SimUser) -> None:
    await user.open("/login")
    # /verify's form, and NiceGUI's upload endpoint, which hands a file straight to a page's handler
    for path in ("/verify", "/_nicegui/client/abc/upload/12"):
        response = await user.http_client.post(path, headers=ORIGIN,
                                               files={"document": ("invoice.pdf", b"%PDF-1.4", "application/pdf")})
        assert response.status_code == 401, path
        assert not is_public(path)
    assert is_public("/_nicegui/static/nicegui.js")


async def test_next_only_goes_to_local_paths(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="next@example.com", mfa_secret=SECRET)
    session.commit()
    for target in ("https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)"):
        user.http_client.cookies.clear()
        first = await post_login(user.http_client, "next@example.com", next=target)
        assert first.headers["location"] == "/login/mfa"
    # The full journey keeps a local next.
    user.http_client.cookies.clear()
    await post_login(user.http_client, "next@example.com", next="/settings?tab=1")
    response = await user.http_client.post("/auth/mfa", data={"code": pyotp.TOTP(SECRET).now(),
                                                             "next": "/settings?tab=1"}, headers=ORIGIN)
    assert response.headers["location"] == "/settings?tab=1"


@pytest.mark.parametrize("headers", [{}, {"origin": "https://evil.example"}, {"origin": "null"},
                                     {"referer": "https://evil.example/form"}])
async def test_posts_from_other_origins_are_refused(user: SimUser, session: Session, make: Factory,
                                                    headers: dict[str, str]) -> None:
    make.user(email="csrf@example.com", mfa_secret=SECRET)
    session.commit()
    response = await user.http_client.post("/auth/login", data={"email": "csrf@example.com",
                                                                "password": TEST_PASSWORD}, headers=headers)
    assert response.status_code == 403
    assert "portal_session" not in response.headers.get("set-cookie", "")


async def test_get_never_changes_state(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="get@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "get@example.com", SECRET)
    for path in ("/auth/logout", "/auth/login", "/auth/password", "/auth/sessions/revoke-others"):
        assert (await user.http_client.get(path)).status_code == 405, path
    assert (await user.http_client.get("/settings")).status_code == 200


async def test_staff_pages_are_hidden_from_customers(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="owner@example.com", role=Role.OWNER, mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "owner@example.com", SECRET)
    assert (await user.http_client.get("/admin")).status_code == 404
