"""Render an invoice as PDF with xhtml2pdf from a Jinja2 template (autoescaped).

Nothing in a document can reach the network or the file system: the resource policy forbids
remote fetches and confines local reads to this folder, and the link callback maps only the
bundled fonts and images; any other reference becomes a blank image.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from data.types import InvoiceStatus
from services.invoices.queries import InvoiceDetail
from services.invoices.status import STATUS_LABELS
from services.localization.formatting import Formatter

HERE = Path(__file__).resolve().parent
BUNDLED = {
    "fonts/DejaVuSans.ttf": HERE / "fonts" / "DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf": HERE / "fonts" / "DejaVuSans-Bold.ttf",
    "assets/logo.png": HERE / "assets" / "logo.png",
}
BLANK = HERE / "assets" / "blank.png"
MAX_RENDER_SECONDS = 60
_STATUS_COLORS = {InvoiceStatus.PAID: "#166534", InvoiceStatus.OVERDUE: "#991b1b", InvoiceStatus.VOID: "#4b5563",
                  InvoiceStatus.REFUNDED: "#6b21a8"}

_environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
_POLICY = ResourceAccessPolicy(
    allow_remote=False, allow_private_networks=False, base_dir=HERE, max_resources=20,
    max_local_bytes=5 * 1024 * 1024, max_render_seconds=MAX_RENDER_SECONDS, max_depth=60,
    max_image_pixels=4_000_000, allow_remote_pdf_backgrounds=False,
)
# reportlab writes timestamps and random ids into PDFs; invariant mode makes the same invoice
# version render to the same bytes, so its SHA-256 can be recomputed and compared.
rl_config.invariant = 1
# xhtml2pdf warns per unsupported CSS property and per glyph the font lacks (CJK, documented in the
# README) on every render: keep its log to real errors.
logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
# xhtml2pdf and reportlab keep module-level state (fonts, the policy context): one render at a time.
_render_lock = threading.Lock()


class RenderError(Exception):
    """xhtml2pdf reported errors; the message names how many."""


def link_callback(uri: str, _relative: str | None) -> str:
    """Map a reference in the template to a bundled file; everything else to a blank image."""
    return str(BUNDLED.get(uri, BLANK))


def invoice_html(detail: InvoiceDetail, fmt: Formatter) -> str:
    """The HTML the PDF is made from (every field autoescaped)."""
    return _environment.get_template("invoice.html").render(
        invoice=detail, fmt=fmt, lang=fmt.locale.split("_")[0], status_label=STATUS_LABELS[detail.status],
        status_color=_STATUS_COLORS.get(detail.status, "#1e40af"),
    )


def render_invoice_pdf(detail: InvoiceDetail, fmt: Formatter) -> bytes:
    """The invoice as PDF bytes; RenderError when xhtml2pdf fails."""
    html = invoice_html(detail, fmt)
    output = io.BytesIO()
    with _render_lock:
        result = pisa.CreatePDF(html, dest=output, link_callback=link_callback, encoding="utf-8",
                                resource_policy=_POLICY, path=str(HERE / "invoice.html"))
    if result.err:
        raise RenderError(f"the PDF could not be rendered ({result.err} errors)")
    return output.getvalue()
