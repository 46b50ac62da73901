"""Debian's Chromium and the demo's sign-in, shared by the browser tests and the live benchmarks.

No fixtures here: importing this module neither starts the suite's clock nor needs pytest.
"""

from __future__ import annotations

import os
import socket
import time

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
DEMO_PASSWORD = "browser demo passphrase"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Accounts:
    """Signs demo users in through the real forms, enrolling TOTP at first use and keeping the
    secrets, so later sign-ins of the same user take a fresh code.

    A user signed in before gets that session's cookie back while the session lives (each TOTP
    step is accepted once, so a second form sign-in within 30 s waits for the next code)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.secrets: dict[str, str] = {}
        self.last_code: dict[str, str] = {}
        self.cookies: dict[str, list] = {}

    def sign_in(self, page, email: str, password: str = DEMO_PASSWORD, *, fresh: bool = False) -> None:  # type: ignore[no-untyped-def]
        """Signed in as `email` in the page's browser context: through the forms, or with the
        cookie of this user's earlier session if it still lives (`fresh` forces the forms)."""
        if not fresh and email in self.cookies:
            page.context.add_cookies(self.cookies[email])
            page.goto(f"{self.base_url}/")
            if "/login" not in page.url:
                return
            page.context.clear_cookies()
        self._sign_in_with_forms(page, email, password)
        self.cookies[email] = page.context.cookies()

    def _sign_in_with_forms(self, page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
        import pyotp

        page.goto(f"{self.base_url}/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login/enroll" in url or "/login/mfa" in url)
        if "/login/enroll" in page.url:
            self.secrets[email] = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        totp = pyotp.TOTP(self.secrets[email])
        code = totp.now()
        while code == self.last_code.get(email):  # each time step is accepted once
            time.sleep(1)
            code = totp.now()
        self.last_code[email] = code
        page.get_by_label("Verification code").fill(code)
        page.get_by_role("button", name="Verify" if "/login/mfa" in page.url else "Confirm and continue").click()
        page.wait_for_url(lambda url: "/login" not in url)
        if "/account/recovery-codes" in page.url:
            page.get_by_test_id("continue").click()
            page.wait_for_url(lambda url: "/account/recovery-codes" not in url)
