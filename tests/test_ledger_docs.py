"""The published ledger event schema matches the code, and the API is in the OpenAPI document."""

from __future__ import annotations

from nicegui.testing import User as SimUser

from services.ledger.json_schema import SCHEMA_FILE, schema_text


def test_the_published_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), \
        "docs/ledger-event.schema.json is stale: run `python -m services.ledger.json_schema`"


async def test_the_push_endpoint_is_in_the_openapi_document(user: SimUser) -> None:
    from nicegui import app

    document = app.openapi()
    assert "/api/ledger/events" in document["paths"]
    post = document["paths"]["/api/ledger/events"]["post"]
    assert "Portal-Signature" in post["description"]
    assert not any(path.startswith("/auth") for path in document["paths"])  # internal routes stay out
