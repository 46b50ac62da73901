"""GET /invoices/{id}/pdf: the stored PDF, through the same access check as the detail page.
POST /verify: a PDF to check, answered with the /verify page for its SHA-256."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from services.audit.vocabulary import AuditAction
from services.documents.downloads import MAX_VERIFY_BYTES, download_invoice_pdf
from services.documents.store import sha256_of
from services.errors import Forbidden, LimitExceeded, NotFound
from services.localization.today import today_for
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.refusals import refuse_invoice
from web.session_cookie import refuse_foreign_origin

router = APIRouter(include_in_schema=False)


def attachment_header(filename: str) -> str:
    """RFC 6266: an ASCII fallback and the exact UTF-8 name in filename*."""
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/invoices/{invoice_id}/pdf")
def invoice_pdf(runtime: PortalRuntime, principal: CurrentPrincipal, invoice_id: str) -> Response:
    try:
        if not (invoice_id.isascii() and invoice_id.isdigit()) or len(invoice_id) > 12:
            raise NotFound("not an invoice id")
        with runtime.unit_of_work() as db:
            download = download_invoice_pdf(db, runtime, principal, int(invoice_id),
                                            today_for(principal.timezone))
    except (NotFound, LimitExceeded, Forbidden) as error:
        return refuse_invoice(runtime, principal, invoice_id, AuditAction.INVOICE_DOWNLOAD, error)
    return Response(download.content, media_type="application/pdf",
                    headers={"content-disposition": attachment_header(download.filename),
                             "x-content-sha256": download.sha256})


@router.post("/verify")
async def post_verify(request: Request, runtime: PortalRuntime, _principal: CurrentPrincipal,
                      document: Annotated[UploadFile, File()]) -> Response:
    """A plain form upload (no script needed): the file's SHA-256 goes to the /verify page, which
    looks it up within the user's access and audits the check, as for a pasted hash."""
    if foreign := refuse_foreign_origin(request, runtime.settings.public_url):
        return foreign
    content = await document.read(MAX_VERIFY_BYTES + 1)
    if len(content) > MAX_VERIFY_BYTES:
        return RedirectResponse("/verify?problem=too_large", status_code=303)
    if not content:
        return RedirectResponse("/verify?problem=empty", status_code=303)
    return RedirectResponse(f"/verify?sha256={sha256_of(content)}", status_code=303)
