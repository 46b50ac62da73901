"""POST /exports starts an export (streamed at once when small); GET /exports/{id}/download
serves a finished background archive to its requester only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlmodel import Session

from routes.documents import attachment_header
from services.audit.trail import record_audit
from services.audit.vocabulary import AuditAction, AuditOutcome
from services.documents.export_selection import ExportSelection
from services.documents.exports import export_download, iter_file, start_export, stream_export
from services.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from services.localization.today import today_for
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.refusals import plain_page
from web.session_cookie import refuse_foreign_origin

router = APIRouter(include_in_schema=False)
MEDIA_TYPES = {"zip": "application/zip", "csv": "text/csv; charset=utf-8"}


@router.post("/exports")
def post_export(request: Request, runtime: PortalRuntime, principal: CurrentPrincipal,
                selection: Annotated[str, Form(max_length=100_000)] = "",
                kind: Annotated[str, Form(max_length=8)] = "zip") -> Response:
    if foreign := refuse_foreign_origin(request, runtime.settings.public_url):
        return foreign
    today = today_for(principal.timezone)
    try:
        with runtime.unit_of_work() as db:
            job = start_export(db, runtime, principal, ExportSelection.from_text(selection), kind, today)
            job_id, background, file_name = job.id, job.background, job.file_name
    except (InvalidInput, LimitExceeded, Forbidden) as refused:
        if not isinstance(refused, InvalidInput):  # limits and rights are audited; typos are not
            with runtime.unit_of_work() as db:  # the refused request rolled back: audit on its own
                record_audit(db, runtime.secret_key, AuditAction.EXPORT_REFUSED, AuditOutcome.DENIED, principal=principal,
                             reason=refused.code)
        return RedirectResponse(f"/export?problem={refused.code}", status_code=303)
    if background:
        return RedirectResponse("/export?started=1", status_code=303)
    assert job_id is not None
    return StreamingResponse(stream_export(lambda: Session(runtime.engine), runtime, job_id, today),
                             media_type=MEDIA_TYPES[kind],
                             headers={"content-disposition": attachment_header(file_name)})


@router.get("/exports/{public_id}/download")
def download_export(runtime: PortalRuntime, principal: CurrentPrincipal, public_id: str) -> Response:
    try:
        with runtime.unit_of_work() as db:
            path, file_name = export_download(db, runtime, principal, public_id)
    except NotFound:
        return plain_page(404, "Download not found", "This download link is not valid (it may have expired).",
                          link=("/export", "Your exports"))
    return StreamingResponse(iter_file(path), media_type="application/zip",
                             headers={"content-disposition": attachment_header(file_name),
                                      "content-length": str(path.stat().st_size)})
