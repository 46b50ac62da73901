"""Helpers for tests that talk HTTP to the real app (through NiceGUI's `user` fixture client)."""

from __future__ import annotations

import httpx
import pyotp

from tests.factories import TEST_PASSWORD

ORIGIN = {"origin": "http://test"}


async def post_login(client: httpx.AsyncClient, email: str, password: str = TEST_PASSWORD,
                     **extra: str) -> httpx.Response:
    return await client.post("/auth/login", data={"email": email, "password": password, **extra}, headers=ORIGIN)


async def post_code(client: httpx.AsyncClient, code: str, path: str = "/auth/mfa") -> httpx.Response:
    return await client.post(path, data={"code": code}, headers=ORIGIN)


async def sign_in(client: httpx.AsyncClient, email: str, secret: str, password: str = TEST_PASSWORD) -> str:
    """Both steps; returns the full-session token (also left in the client's cookie jar)."""
    first = await post_login(client, email, password)
    assert first.status_code == 303 and first.headers["location"].startswith("/login/mfa"), first.headers
    second = await post_code(client, pyotp.TOTP(secret).now())
    assert second.status_code == 303 and second.headers["location"] == "/", second.headers
    return client.cookies["portal_session"]
