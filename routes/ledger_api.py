"""POST /api/ledger/events: the billing ledger pushes events, signed with HMAC-SHA256.

Authenticated by the signature, not by a session: it is on the access gate's public list.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.config.settings import ledger_webhook_secret
from services.ledger.pipeline import ingest
from services.ledger.schema import MAX_JSON_DEPTH, LedgerEvent, nested_too_deeply
from services.ledger.signature import HEADER, SignatureError, verify
from web.dependencies import PortalRuntime

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


class PushResult(BaseModel):
    applied: int
    duplicates: int
    older_ignored: int
    quarantined: int


@router.post(
    "/events", response_model=PushResult,
    summary="Push ledger events (one event, or {\"events\": [...]})",
    description=("Body: a LedgerEvent or `{\"events\": [LedgerEvent, ...]}` (up to 10,000). Header "
                 "`Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`. "
                 "Each event is applied once (by `event_id`); invalid events are quarantined and reported "
                 "while the rest of the batch is applied. See docs/LEDGER.md."),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"oneOf": [LedgerEvent.model_json_schema(ref_template="#/components/schemas/{model}"),
                             {"type": "object", "properties": {"events": {"type": "array"}}}]}}}}},
)
async def push_events(request: Request, runtime: PortalRuntime) -> JSONResponse:
    body = await request.body()  # at most ledger_max_push_bytes: routes.body_limits counts it as it arrives
    try:
        verify(ledger_webhook_secret(runtime.settings, runtime.secret_key), request.headers.get(HEADER), body,
               time.time())
    except SignatureError as error:
        return JSONResponse({"detail": str(error)}, status_code=401)
    too_deep = JSONResponse({"detail": f"the JSON nests deeper than {MAX_JSON_DEPTH} levels"}, status_code=400)
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return JSONResponse({"detail": "the body is not JSON"}, status_code=400)
    except RecursionError:  # deeper than Python's parser goes
        return too_deep
    if nested_too_deeply(document):
        return too_deep
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        events = document["events"]
    elif isinstance(document, dict):
        events = [document]
    else:
        return JSONResponse({"detail": "send one event object or {\"events\": [...]}"}, status_code=400)
    if len(events) > 10_000:
        return JSONResponse({"detail": "at most 10,000 events per request"}, status_code=413)
    result = await run_in_threadpool(ingest, runtime, runtime.settings.ledger_push_source, events)
    return JSONResponse(PushResult(applied=result.applied, duplicates=result.duplicates,
                                   older_ignored=result.older_ignored, quarantined=result.quarantined).model_dump())
