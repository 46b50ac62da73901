"""The published JSON Schema of ledger events (docs/ledger-event.schema.json is written from it)."""

from __future__ import annotations

import json
from pathlib import Path

from services.ledger.schema import SCHEMA_VERSION, LedgerEvent

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "ledger-event.schema.json"


def ledger_event_schema() -> dict:
    schema = LedgerEvent.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://invoice-portal.example/schemas/ledger-event/{SCHEMA_VERSION}",
            "title": "Invoice Portal ledger event", **schema}


def schema_text() -> str:
    return json.dumps(ledger_event_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
