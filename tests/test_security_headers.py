"""SECURITY.md 16: every response carries the security headers, errors and redirects included."""

from __future__ import annotations

import httpx
import pytest
from nicegui import app as nicegui_app
from nicegui import core
from nicegui.testing import User as SimUser

from routes import access_gate
from tests.web import ORIGIN

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def _assert_secure(response, *, no_store: bool = True) -> None:  # type: ignore[no-untyped-def]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
                      "connect-src 'self';"):  # own origin only: no websocket to any other host
        assert directive in csp
    if no_store:
        assert response.headers["cache-control"] == "no-store", response.url


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/login"), ("GET", "/healthz"), ("GET", "/"), ("GET", "/no/such/page"), ("POST", "/auth/login"),
    ("GET", "/auth/logout"), ("POST", "/api/ledger/events"),
])
async def test_headers_on_pages_redirects_and_errors(user: SimUser, method: str, path: str) -> None:
    response = await user.http_client.request(method, path, headers=ORIGIN)
    _assert_secure(response)


@pytest.mark.expect_error_logs
async def test_unhandled_errors_still_carry_the_headers(user: SimUser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_gate, "PUBLIC_PATHS", access_gate.PUBLIC_PATHS | {"/boom"})

    @nicegui_app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(core.app, raise_app_exceptions=False)  # answer like a server would
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert "boom" not in response.text  # no internals leak
    _assert_secure(response)


async def test_static_assets_stay_cacheable(user: SimUser) -> None:
    page = await user.http_client.get("/login")
    asset = next(part.split('"')[0] for part in page.text.split('src="')[1:] if part.startswith("/_nicegui/"))
    response = await user.http_client.get(asset)
    assert response.status_code == 200
    _assert_secure(response, no_store=False)
    assert "no-store" not in response.headers.get("cache-control", "")
