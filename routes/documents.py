"""GET /invoices/{id}/pdf: the stored PDF, through the same access check as the detail page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from services.documents.downloads import download_invoice_pdf
from services.errors import Forbidden, LimitExceeded, NotFound
from services.invoices.queries import record_invoice_denial
from services.localization.today import today_for
from web.dependencies import CurrentPrincipal, PortalRuntime
from web.refusals import invoice_not_found, plain_page, throttled

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
    except NotFound:
        with runtime.unit_of_work() as db:
            record_invoice_denial(db, runtime.secret_key, principal, invoice_id, "invoice.download")
        return invoice_not_found()
    except LimitExceeded as error:
        with runtime.unit_of_work() as db:
            record_invoice_denial(db, runtime.secret_key, principal, invoice_id, "invoice.download",
                                  reason=error.code)
        return throttled(str(error))
    except Forbidden as error:
        return plain_page(403, "Not included", str(error))
    return Response(download.content, media_type="application/pdf",
                    headers={"content-disposition": attachment_header(download.filename),
                             "x-content-sha256": download.sha256})
