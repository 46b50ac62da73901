"""Render an invoice as PDF with xhtml2pdf from a Jinja2 template (autoescaped).

Nothing in a document can reach the network or the file system: the resource policy forbids
remote fetches and confines local reads to this folder, and the link callback maps only the
bundled fonts and images; any other reference becomes a blank image.

Each render runs in one of a few worker processes that keep xhtml2pdf loaded and warm: renders run
side by side instead of queueing behind one lock on xhtml2pdf's module state, and one that takes
longer than RENDER_TIMEOUT_SECONDS is killed (its worker replaced) and reported instead of holding
the others up. A PDF
lists at most MAX_PDF_LINES lines and says so (the portal shows them all; the totals cover all).
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab import rl_config
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from data.types import InvoiceStatus
from services.errors import Unavailable
from services.invoices.queries import InvoiceDetail
from services.invoices.status import STATUS_LABELS
from services.localization.formatting import Formatter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # where `python -m services.documents.render_worker` finds the package
BUNDLED = {
    "fonts/DejaVuSans.ttf": HERE / "fonts" / "DejaVuSans.ttf",
    "fonts/DejaVuSans-Bold.ttf": HERE / "fonts" / "DejaVuSans-Bold.ttf",
    "assets/logo.png": HERE / "assets" / "logo.png",
}
BLANK = HERE / "assets" / "blank.png"
MAX_RENDER_SECONDS = 60
RENDER_TIMEOUT_SECONDS = 30.0
RENDER_WORKERS = 2  # renders at once (each is one CPU-bound process)
MAX_PDF_LINES = 500  # a 2,000-line table took xhtml2pdf 29 s
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
# Uses both bundled fonts, a table and the template's font name (fonts load on first use): a new
# worker renders it once, so that people's first PDFs do not pay for loading.
WARM_UP_HTML = ('<html><head><style>@font-face { font-family: PortalSans; src: url("fonts/DejaVuSans.ttf"); } '
                '@font-face { font-family: PortalSans; src: url("fonts/DejaVuSans-Bold.ttf"); font-weight: bold; } '
                'body { font-family: PortalSans; }</style></head><body><p>Warm</p><p><b>up</b></p>'
                '<table><tr><td>1</td><td>2</td></tr></table></body></html>')


class RenderError(Unavailable):
    """The PDF could not be made: xhtml2pdf reported errors, the render took too long or its worker
    stopped; the message says which."""


def link_callback(uri: str, _relative: str | None) -> str:
    """Map a reference in the template to a bundled file; everything else to a blank image."""
    return str(BUNDLED.get(uri, BLANK))


def invoice_html(detail: InvoiceDetail, fmt: Formatter) -> str:
    """The HTML the PDF is made from (every field autoescaped; at most MAX_PDF_LINES lines)."""
    return _environment.get_template("invoice.html").render(
        invoice=detail, fmt=fmt, lang=fmt.locale.split("_")[0], status_label=STATUS_LABELS[detail.status],
        status_color=_STATUS_COLORS.get(detail.status, "#1e40af"), lines=detail.lines[:MAX_PDF_LINES],
        lines_left_out=max(len(detail.lines) - MAX_PDF_LINES, 0),
    )


def render_invoice_pdf(detail: InvoiceDetail, fmt: Formatter, *,
                       timeout: float = RENDER_TIMEOUT_SECONDS) -> bytes:
    """The invoice as PDF bytes, rendered in a worker process; RenderError when xhtml2pdf fails,
    the render takes longer than `timeout` seconds or the worker dies."""
    return _pool.render(invoice_html(detail, fmt), timeout)


class _Worker:
    """One `python -m services.documents.render_worker` process: HTML in, PDF out, over its pipes
    (an 8-byte length before each message; the answer starts with 1 for a PDF, 0 for an error)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "services.documents.render_worker"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)

    def render(self, html: str, timeout: float) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        data = html.encode("utf-8")
        try:
            self.process.stdin.write(struct.pack(">Q", len(data)) + data)
            self.process.stdin.flush()
        except OSError as error:
            raise RenderError("the PDF renderer stopped unexpectedly") from error
        deadline = time.monotonic() + timeout
        head = self._read(9, deadline, timeout)
        ok, length = head[0] == 1, struct.unpack(">Q", head[1:])[0]
        payload = self._read(length, deadline, timeout)
        if not ok:
            raise RenderError(payload.decode("utf-8", "replace"))
        return payload

    def _read(self, size: int, deadline: float, timeout: float) -> bytes:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        chunks, remaining = [], size
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([descriptor], [], [], left)[0]:
                raise RenderError(f"the PDF took longer than {timeout:g} s to render and was stopped")
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                raise RenderError("the PDF renderer stopped unexpectedly")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class _WorkerPool:
    """Up to RENDER_WORKERS workers, started when first needed and kept warm; a worker that failed
    (too slow, died) is killed and replaced by a new one on the next render."""

    def __init__(self, size: int) -> None:
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def render(self, html: str, timeout: float) -> bytes:
        with self._slots:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None or worker.process.poll() is not None:
                worker = _Worker()
            try:
                pdf = worker.render(html, timeout)
            except RenderError:
                worker.stop()
                raise
            with self._lock:
                self._idle.append(worker)
            return pdf

    def stop(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.stop()


_pool = _WorkerPool(RENDER_WORKERS)


def render_html(html: str) -> bytes:
    """xhtml2pdf on the invoice HTML, in this process (the worker's part; benchmarks compare it)."""
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, link_callback=link_callback, encoding="utf-8",
                            resource_policy=_POLICY, path=str(HERE / "invoice.html"))
    if result.err:
        raise RenderError(f"the PDF could not be rendered ({result.err} errors)")
    return output.getvalue()
