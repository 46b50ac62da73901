"""SECURITY.md 12, 14, 15: cookie attributes, server-side timeouts, revocation everywhere."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import httpx
import pyotp
import pytest
import time_machine
from nicegui import core, ui
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import NotificationPreference, Role, utcnow
from services.auth.recovery_codes import replace_recovery_codes
from services.auth.sessions import resolve_session
from services.config.runtime import Runtime
from services.errors import Forbidden
from services.staff import users as admin_users
from tests.factories import TEST_PASSWORD, TEST_SECRET_KEY, Factory
from tests.web import ORIGIN, post_code, post_login, sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


async def test_cookie_is_httponly_strict_and_never_in_a_url(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="cookie@example.com", mfa_secret=SECRET)
    session.commit()
    response = await post_login(user.http_client, "cookie@example.com")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("portal_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Max-Age" not in cookie and "Expires" not in cookie  # ends with the browser; server enforces timeouts
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token not in response.headers["location"]


async def test_over_https_the_cookie_is_secure_and_host_prefixed(user: SimUser, session: Session,
                                                                 make: Factory) -> None:
    make.user(email="tls@example.com", mfa_secret=SECRET)
    session.commit()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="https://test") as client:
        response = await client.post("/auth/login", data={"email": "tls@example.com", "password": TEST_PASSWORD},
                                     headers={"origin": "https://test"})
        cookie = next(c for c in response.headers.get_list("set-cookie") if "portal_session" in c)
        assert cookie.startswith("__Host-portal_session=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie
        assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_idle_sessions_end_after_thirty_minutes(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="idle@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "idle@example.com", SECRET)
    with time_machine.travel(utcnow() + timedelta(minutes=29)):
        assert (await user.http_client.get("/settings")).status_code == 200  # activity resets the idle clock
    with time_machine.travel(utcnow() + timedelta(minutes=29 + 31)):
        response = await user.http_client.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fsettings&error=expired"


async def test_sessions_end_twelve_hours_after_sign_in_however_active(user: SimUser, session: Session,
                                                                      make: Factory) -> None:
    make.user(email="long@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "long@example.com", SECRET)
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert (await user.http_client.get("/settings")).status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=1)):
        assert (await user.http_client.get("/settings")).status_code == 303


async def test_open_tabs_stop_working_when_the_session_ends(user: SimUser, session: Session, make: Factory) -> None:
    account = make.user(email="tab@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "tab@example.com", SECRET)
    await user.open("/settings")
    switch = min((element for element in user.find(ui.switch).elements  # the first "… in the portal"
                  if str(element.props.get("aria-label", "")).endswith("in the portal")), key=lambda e: e.id)
    [listener] = [listener for listener in switch._event_listeners.values()
                  if listener.type.startswith("update:")]

    def toggle_in_browser(value: bool) -> None:
        # What NiceGUI's socket handler does with the browser's message: the page's own handler,
        # with its own signature, is reached only through the client.
        assert switch.client is not None
        switch.client.handle_event({"id": switch.id, "listener_id": listener.id, "args": [json.dumps(value)]})

    def stored_in_app() -> bool:
        session.expire_all()
        return session.exec(select(NotificationPreference.in_app).where(
            NotificationPreference.user_id == account.id)).one()

    toggle_in_browser(False)
    await asyncio.sleep(0.05)
    assert stored_in_app() is False, "the switch's change was not saved"
    await user.http_client.post("/auth/logout", headers=ORIGIN)  # e.g. signed out in another tab
    toggle_in_browser(True)
    await asyncio.sleep(0.05)
    assert stored_in_app() is False, "a handler ran after the session was revoked"


async def test_logout_revokes_the_session_server_side(user: SimUser, session: Session, make: Factory) -> None:
    make.user(email="bye@example.com", mfa_secret=SECRET)
    session.commit()
    token = await sign_in(user.http_client, "bye@example.com", SECRET)
    response = await user.http_client.post("/auth/logout", headers=ORIGIN)
    assert response.headers["location"] == "/login?error=signed_out"
    assert 'portal_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    user.http_client.cookies.set("portal_session", token)
    assert (await user.http_client.get("/settings")).status_code == 303


async def test_password_change_signs_out_every_other_device(user: SimUser, session: Session, make: Factory,
                                                            runtime: Runtime) -> None:
    account_user = make.user(email="change@example.com", mfa_secret=SECRET)
    codes = replace_recovery_codes(session, TEST_SECRET_KEY, account_user.id)  # type: ignore[arg-type]
    session.commit()
    await sign_in(user.http_client, "change@example.com", SECRET)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test") as laptop:
        await post_login(laptop, "change@example.com")
        assert (await post_code(laptop, codes[0])).headers["location"] == "/"
        assert (await laptop.get("/settings")).status_code == 200

        weak = await user.http_client.post("/auth/password", headers=ORIGIN, data={
            "current": TEST_PASSWORD, "new": "password123", "repeat": "password123"})
        assert weak.headers["location"] == "/settings?password=common"
        wrong = await user.http_client.post("/auth/password", headers=ORIGIN, data={
            "current": "not it at all", "new": "a brand new passphrase", "repeat": "a brand new passphrase"})
        assert wrong.headers["location"] == "/settings?password=current"
        mismatch = await user.http_client.post("/auth/password", headers=ORIGIN, data={
            "current": TEST_PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase!"})
        assert mismatch.headers["location"] == "/settings?password=mismatch"
        assert (await laptop.get("/settings")).status_code == 200  # nothing changed yet

        old_token = user.http_client.cookies["portal_session"]
        changed = await user.http_client.post("/auth/password", headers=ORIGIN, data={
            "current": TEST_PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase"})
        assert changed.headers["location"] == "/settings?password=changed"
        assert user.http_client.cookies["portal_session"] != old_token  # this device got a fresh id
        assert (await user.http_client.get("/settings")).status_code == 200
        assert (await laptop.get("/settings")).status_code == 303


async def test_sign_out_everywhere_else_keeps_this_device(user: SimUser, session: Session, make: Factory) -> None:
    account_user = make.user(email="elsewhere@example.com", mfa_secret=SECRET)
    codes = replace_recovery_codes(session, TEST_SECRET_KEY, account_user.id)  # type: ignore[arg-type]
    session.commit()
    await sign_in(user.http_client, "elsewhere@example.com", SECRET)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url="http://test") as phone:
        await post_login(phone, "elsewhere@example.com")
        await post_code(phone, codes[0])
        page = await user.http_client.get("/settings")
        assert "Sign out everywhere else" in page.text
        response = await user.http_client.post("/auth/sessions/revoke-others", headers=ORIGIN)
        assert response.headers["location"] == "/settings?ended=1"
        assert (await phone.get("/settings")).status_code == 303
        assert (await user.http_client.get("/settings")).status_code == 200


def test_staff_reset_of_mfa_and_disable_end_the_users_sessions(session: Session, make: Factory,
                                                               runtime: Runtime) -> None:
    from services.auth.login import sign_in_with_password, verify_second_factor
    from services.principal import RequestInfo

    admin = make.user(role=Role.ADMIN, mfa_secret=SECRET)
    target = make.user(email="target@example.com", mfa_secret=pyotp.random_base32(32))
    session.commit()
    admin_half = sign_in_with_password(session, runtime, admin.email, TEST_PASSWORD, RequestInfo())
    assert admin_half is not None
    admin_token = verify_second_factor(session, runtime, admin_half.token, pyotp.TOTP(SECRET).now(),
                                       RequestInfo()).token
    actor = resolve_session(session, admin_token, runtime.settings).principal(RequestInfo())  # type: ignore[union-attr]
    target_token = sign_in_with_password(session, runtime, target.email, TEST_PASSWORD, RequestInfo()).token  # type: ignore[union-attr]

    admin_users.reset_mfa(session, runtime, actor, target.id)  # type: ignore[arg-type]
    assert resolve_session(session, target_token, runtime.settings) is None
    assert session.get(type(target), target.id).totp_secret_encrypted is None  # type: ignore[union-attr]

    again = sign_in_with_password(session, runtime, target.email, TEST_PASSWORD, RequestInfo())
    assert again is not None and again.needs_enrollment
    admin_users.set_user_active(session, runtime, actor, target.id, False)  # type: ignore[arg-type]
    assert resolve_session(session, again.token, runtime.settings) is None
    assert sign_in_with_password(session, runtime, target.email, TEST_PASSWORD, RequestInfo()) is None

    customer_actor = make.user(role=Role.OWNER)
    owner_principal = replace(actor, user_id=customer_actor.id, role=Role.OWNER, customer_id=customer_actor.customer_id)
    with pytest.raises(Forbidden):
        admin_users.reset_mfa(session, runtime, owner_principal, target.id)  # type: ignore[arg-type]
