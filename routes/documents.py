"""GET /invoices/{id}/pdf: the stored PDF, through the same access check as the detail page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from services.audit.vocabulary import AuditAction
from services.documents.downloads import download_invoice_pdf
from services.errors import Forbidden, LimitExceeded, NotFound
from services.localization.today import today_for
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.refusals import refuse_invoice

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
