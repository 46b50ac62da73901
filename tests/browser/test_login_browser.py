"""The sign-in page in a real Chromium, at desktop and phone width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.dates]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_page_renders_a_real_form(page, live_server: LiveServer, viewport: dict) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.base_url}/login")
    page.get_by_label("E-mail").wait_for()
    assert page.title() == "Sign in · Invoice Portal"
    form = page.locator("form[action='/auth/login'][method='post']")
    assert form.count() == 1
    assert form.locator("input[name='email']").count() == 1
    assert form.locator("input[name='password'][type='password']").count() == 1
    assert form.locator("button[type='submit']").is_visible()
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    path = screenshot(page, f"login-{viewport['width']}")
    assert path.stat().st_size > 5_000
