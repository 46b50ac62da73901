"""The whole first sign-in in Chromium: password, authenticator enrolment, recovery codes,
dashboard, sign-out, and the old cookie no longer opening anything."""

from __future__ import annotations

import pyotp
import pytest

from tests.browser.conftest import DEMO_PASSWORD, PHONE, LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.dates]


def test_first_login_enrols_totp_and_logout_kills_the_cookie(browser, live_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.base_url}/settings")
    page.wait_for_url("**/login?next=%2Fsettings")

    page.get_by_label("E-mail").fill("owner@mueller.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/login/enroll**")
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    assert len(secret) == 32
    qr = page.get_by_alt_text("QR code for your authenticator app")
    assert qr.is_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # the data: SVG loaded under the CSP
    screenshot(page, "enroll-1280")
    page.get_by_label("Verification code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()

    page.wait_for_url("**/account/recovery-codes**")
    codes = page.get_by_test_id("recovery-codes").locator("div").all_inner_texts()
    assert len(codes) == 10 and all(len(code) == 11 for code in codes)
    screenshot(page, "recovery-codes-1280")
    page.get_by_test_id("continue").click()

    page.wait_for_url("**/settings")
    page.get_by_text("This device").wait_for()
    cookie = next(c for c in context.cookies() if c["name"] == "portal_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    screenshot(page, "settings-1280")

    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_url("**/login?error=signed_out")
    page.get_by_text("You have signed out.").wait_for()

    # Replaying the old cookie in a fresh browser gets nowhere.
    replay = browser.new_context()
    replay.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    other = replay.new_page()
    other.goto(f"{live_server.base_url}/settings")
    other.wait_for_url("**/login?next=%2Fsettings&error=expired")
    replay.close()

    # The second sign-in asks for a code, not a new enrolment; a recovery code works once.
    page.get_by_label("E-mail").fill("owner@mueller.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/mfa**")
    page.set_viewport_size(PHONE)
    screenshot(page, "mfa-390")
    page.get_by_label("Verification code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    screenshot(page, "home-390")
    context.close()
