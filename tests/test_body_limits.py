"""Request bodies are limited while they arrive (SECURITY.md, "Limits before memory"): a chunked
body without Content-Length is cut off at its route's limit, not read whole first; JSON nesting is
bounded before anything walks it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session

from routes.body_limits import FORM_LIMIT, UPLOAD_LIMIT
from services.config.runtime import Runtime
from services.config.settings import ledger_webhook_secret
from services.ledger.schema import MAX_JSON_DEPTH, nested_too_deeply
from services.ledger.signature import sign
from tests.factories import Factory
from tests.web import ORIGIN, sign_in

CHUNK = 256 * 1024
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class Chunks:
    """A chunked request body of `total` bytes that counts how much of it the server pulled."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total, self.pulled, self.head = total, 0, head

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"x" * CHUNK


@pytest.mark.settings(ledger_max_push_bytes=1024 * 1024)
async def test_a_chunked_push_without_length_is_cut_off_at_the_limit(user: SimUser, runtime: Runtime) -> None:
    body = Chunks(200 * 1024 * 1024)
    answer = await user.http_client.post("/api/ledger/events", content=body.__aiter__(),
                                         headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert "larger than 1,048,576 bytes" in answer.json()["detail"]
    assert body.pulled <= 1024 * 1024 + CHUNK  # 1.25 MB of the 200 MB read, then refused
    assert answer.headers["x-content-type-options"] == "nosniff"  # still inside the security headers


@pytest.mark.settings(ledger_max_push_bytes=1024 * 1024)
async def test_a_declared_length_over_the_limit_is_refused_unread(user: SimUser, runtime: Runtime) -> None:
    body = Chunks(2 * 1024 * 1024)
    answer = await user.http_client.post("/api/ledger/events", content=body.__aiter__(),
                                         headers={"content-length": str(2 * 1024 * 1024)})
    assert answer.status_code == 413 and body.pulled == 0
    garbled = await user.http_client.post("/api/ledger/events", content=b"{}", headers={"content-length": "x1"})
    assert garbled.status_code in (400, 413)


async def test_an_upload_has_a_limit(user: SimUser, make: Factory, session: Session) -> None:
    make.user(email="uploader@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "uploader@example.com", SECRET)
    url = "/verify"  # the page's plain upload form posts here
    upload = Chunks(UPLOAD_LIMIT * 3, head=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
                                         b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n")
    answer = await user.http_client.post(url, content=upload.__aiter__(),
                                         headers=ORIGIN | {"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413 and upload.pulled <= UPLOAD_LIMIT + CHUNK


async def test_a_sign_in_form_has_a_limit_too(user: SimUser) -> None:
    form = Chunks(FORM_LIMIT * 40)
    answer = await user.http_client.post("/auth/login", content=form.__aiter__(),
                                         headers=ORIGIN | {"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and form.pulled <= FORM_LIMIT + CHUNK, (answer.text, form.pulled)


async def test_an_upload_without_a_session_is_refused(user: SimUser) -> None:
    answer = await user.http_client.post("/verify", content=b"--b--",
                                         headers=ORIGIN | {"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code in (303, 401, 403)


async def test_json_nested_beyond_the_bound_answers_400_with_the_reason(user: SimUser, runtime: Runtime) -> None:
    secret = ledger_webhook_secret(runtime.settings, runtime.secret_key)
    for depth in (100_000, MAX_JSON_DEPTH + 1):
        body = ("[" * depth + "]" * depth).encode()
        answer = await user.http_client.post("/api/ledger/events", content=body, headers={
            "portal-signature": sign(secret, body, int(time.time())), "content-type": "application/json"})
        assert answer.status_code == 400, depth
        assert answer.json() == {"detail": f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"}


def test_the_nesting_bound() -> None:
    assert not nested_too_deeply({"events": [{"invoice": {"lines": [{"description": "x"}]}}]})
    deep: object = "leaf"
    for _ in range(MAX_JSON_DEPTH):
        deep = [deep]
    assert not nested_too_deeply(deep)
    assert nested_too_deeply([deep])
    assert not nested_too_deeply(json.loads("[" * 10 + "]" * 10))
