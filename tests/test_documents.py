"""Invoice PDFs: what they say (read back with pdftotext), what they may not fetch, how they are
stored, downloaded and verified."""

from __future__ import annotations

import socket
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pyotp
import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

import services.documents.render as render
from data import AuditEvent, Document, InvoiceStatus, Payment, PaymentMethod, PaymentStatus, Role
from services.config.runtime import Runtime
from services.documents.downloads import verify_document
from services.documents.store import ensure_document, pdf_filename, render_missing_documents
from services.errors import InvalidInput
from services.invoices.queries import build_invoice_detail
from services.localization.formatting import Formatter
from tests.conftest import ARTIFACTS
from tests.factories import Factory, principal_for
from tests.test_invoices import TODAY
from tests.web import ORIGIN, sign_in

SECRET = pyotp.random_base32(32)
UNICODE_NAMES = ["Müller GmbH", "Łódź", "Ελλάδα", "Москва"]
HOSTILE = ['<img src="file:///etc/passwd">', "http://169.254.169.254/latest/meta-data/",
           '</td></tr></table><img src="http://example.com/x.png">']


def pdf_text(content: bytes, tmp_path: Path, *pages: int) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    args = ["pdftotext", "-layout"] + (["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []) + [str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def page_count(content: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def invoice(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    customer = make.customer(name=UNICODE_NAMES[0], address="Schillerstraße 12\nŁódź\nΕλλάδα\nМосква")
    vendor = make.vendor(name="Northwind Cloud Services", payment_instructions="IBAN DE89 3704 0044 0532 0130 00")
    made = make.invoice(customer=customer, vendor=vendor, number="NCS-2026-0000042",
                        lines=[("Cloud compute, vCPU-hours", "2.5", 12345, "19"), (HOSTILE[0], "1", 100, "19"),
                               (HOSTILE[1], "1", 100, "19"), (HOSTILE[2], "1", 100, "0")])
    session.commit()
    return made


def test_the_pdf_reads_back_with_number_lines_and_totals(session: Session, invoice, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stored = ensure_document(session, invoice, "en_US", TODAY)
    text = pdf_text(stored.content, tmp_path)
    assert "NCS-2026-0000042" in text
    assert "Cloud compute, vCPU-hours" in text and "€123.45" in text and "€308.63" in text
    assert "€311.63" in text and "€59.02" in text and "€370.65" in text  # subtotal, tax, total
    for name in UNICODE_NAMES:
        assert name in text
    assert "Page 1 of 1" in text
    assert "IBAN DE89" in text


def test_a_paid_invoice_lists_its_payments_and_asks_for_no_payment(session: Session, invoice,  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path) -> None:
    session.add(Payment(external_id="pay-1", invoice_id=invoice.id, amount_minor=invoice.total_minor, currency="EUR",
                        method=PaymentMethod.CARD, status=PaymentStatus.SUCCEEDED, reference="RF-778",
                        received_at=datetime(2026, 3, 20, 14, 5, 59, tzinfo=timezone.utc)))
    invoice.status = InvoiceStatus.PAID
    invoice.amount_paid_minor = invoice.total_minor
    invoice.revision = 2
    session.add(invoice)
    session.commit()
    content = ensure_document(session, invoice, "en_US", TODAY).content
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "paid-invoice.pdf").write_bytes(content)  # for a person to look at
    text = pdf_text(content, tmp_path)
    assert "Payments received" in text and "RF-778" in text and "card" in text
    assert "Mar 20, 2026, 2:05 PM" in text and "2:05:59" not in text  # to the minute
    assert "-€370.65" in text and "Amount due" in text  # paid carries the minus sign, as in the portal
    assert "IBAN DE89" not in text and "Payment instructions" not in text


def test_hostile_text_renders_literally_and_fetches_nothing(session: Session, invoice, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    requested: list[str] = []
    real_callback = render.link_callback
    monkeypatch.setattr(render, "link_callback", lambda uri, rel: requested.append(uri) or real_callback(uri, rel))

    def no_network(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the renderer tried to open a network connection")

    # xhtml2pdf's part, in this process so that the callback and socket are watched (the portal runs
    # the same function in a worker process).
    html = render.invoice_html(build_invoice_detail(session, invoice, TODAY), Formatter(locale="en_US"))
    monkeypatch.setattr(socket.socket, "connect", no_network)
    text = pdf_text(render.render_html(html), tmp_path)
    assert set(requested) <= set(render.BUNDLED), requested
    assert 'src="file:///etc/passwd"' in text and "169.254.169.254" in text and "</td></tr></table>" in text
    assert "root:" not in text


def test_injected_markup_cannot_reach_files_even_past_the_template(tmp_path: Path) -> None:
    assert render.link_callback("file:///etc/passwd", None) == str(render.BLANK)
    assert render.link_callback("http://169.254.169.254/", None) == str(render.BLANK)
    assert render.link_callback("../../../../etc/passwd", None) == str(render.BLANK)
    assert render.link_callback("assets/logo.png", None).endswith("logo.png")


def test_a_200_line_invoice_breaks_across_pages_with_the_header_repeated(session: Session, make: Factory,
                                                                         tmp_path: Path) -> None:
    lines = [(f"Item number {n:03d}", "1", 1000 + n, "19") for n in range(200)]
    invoice = make.invoice(lines=lines)
    session.commit()
    content = ensure_document(session, invoice, "en_US", TODAY).content
    pages = page_count(content, tmp_path)
    assert pages >= 4
    last_page = pdf_text(content, tmp_path, pages)
    assert "Description" in last_page and "Amount" in last_page  # header repeated
    assert f"Page {pages} of {pages}" in last_page
    everything = pdf_text(content, tmp_path)
    assert all(f"Item number {n:03d}" in everything for n in range(200))


def test_documents_are_stored_once_per_revision(session: Session, invoice) -> None:  # type: ignore[no-untyped-def]
    first = ensure_document(session, invoice, "en_US", TODAY)
    again = ensure_document(session, invoice, "en_US", TODAY)
    assert again.sha256 == first.sha256
    assert len(session.exec(select(Document)).all()) == 1
    invoice.revision = 2
    invoice.status = InvoiceStatus.PAID
    invoice.amount_paid_minor = invoice.total_minor
    session.add(invoice)
    second = ensure_document(session, invoice, "en_US", TODAY)
    assert second.sha256 != first.sha256 and second.revision == 2


def test_missing_documents_are_rendered_in_batches(session: Session, make: Factory) -> None:
    for _ in range(3):
        make.invoice()
    make.invoice(status=InvoiceStatus.DRAFT)
    session.commit()
    assert render_missing_documents(session, "en_US", TODAY, limit=2) == 2
    assert render_missing_documents(session, "en_US", TODAY, limit=10) == 1
    assert render_missing_documents(session, "en_US", TODAY, limit=10) == 0


def test_file_names_are_safe() -> None:
    assert pdf_filename("Northwind Cloud Services", "NCS-2026-0000042") == \
        "Northwind-Cloud-Services-NCS-2026-0000042.pdf"
    assert pdf_filename("../../etc", "pass/wd\r\n") == "etc-pass-wd.pdf"
    assert pdf_filename("Müller & Söhne", "Ü-1") == "Müller-Söhne-Ü-1.pdf"


async def test_pdf_download_is_an_authorized_audited_attachment(user: SimUser, session: Session, make: Factory,  # type: ignore[no-untyped-def]
                                                                invoice, tmp_path: Path) -> None:
    make.user(role=Role.VIEWER, customer_id=invoice.customer_id, email="dl@example.com", mfa_secret=SECRET)
    other = make.invoice()
    session.commit()
    await sign_in(user.http_client, "dl@example.com", SECRET)
    response = await user.http_client.get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Northwind-Cloud-Services-NCS-2026-0000042.pdf" in disposition
    assert response.headers["cache-control"] == "no-store"
    assert "NCS-2026-0000042" in pdf_text(response.content, tmp_path)
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.download")).all()
    assert [(a.outcome, a.object_id) for a in audit] == [("success", str(invoice.id))]

    foreign = await user.http_client.get(f"/invoices/{other.id}/pdf")
    missing = await user.http_client.get("/invoices/99999999/pdf")
    assert foreign.status_code == missing.status_code == 404 and foreign.text == missing.text


async def test_a_tier_without_pdfs_gets_a_clear_refusal(user: SimUser, session: Session, make: Factory) -> None:
    tier = make.tier(can_download_pdf=False)
    customer = make.customer(tier_id=tier.id)
    invoice = make.invoice(customer=customer)
    make.user(role=Role.OWNER, customer=customer, email="nopdf@example.com", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "nopdf@example.com", SECRET)
    response = await user.http_client.get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 403 and "does not include" in response.text
    page = await user.http_client.get(f"/invoices/{invoice.id}")
    assert "Download PDF" not in page.text
    session.expire_all()
    refusal = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.download")).one()
    assert (refusal.outcome, refusal.object_id) == ("denied", str(invoice.id)), "a refused download is audited"


def test_verification_confirms_only_our_own_unchanged_documents(session: Session, runtime: Runtime,  # type: ignore[no-untyped-def]
                                                                make: Factory, invoice) -> None:
    viewer = principal_for(make.user(role=Role.VIEWER, customer_id=invoice.customer_id))
    stranger = principal_for(make.user(role=Role.VIEWER))
    stored = ensure_document(session, invoice, "en_US", TODAY)
    genuine = verify_document(session, runtime, viewer, TODAY, content=stored.content)
    assert genuine.issued and genuine.number == "NCS-2026-0000042" and genuine.current
    assert verify_document(session, runtime, viewer, TODAY, sha256=stored.sha256.upper()).issued
    tampered = stored.content.replace(b"NCS-2026", b"NCS-2027", 1)
    assert not verify_document(session, runtime, viewer, TODAY, content=tampered).issued
    assert not verify_document(session, runtime, stranger, TODAY, sha256=stored.sha256).issued
    with pytest.raises(InvalidInput, match="64 characters"):
        verify_document(session, runtime, viewer, TODAY, sha256="not a hash")
    with pytest.raises(InvalidInput, match="larger than"):
        verify_document(session, runtime, viewer, TODAY, content=b"x" * (10 * 1024 * 1024 + 1))




async def test_the_verify_form_checks_an_uploaded_pdf_and_says_what_was_wrong(user: SimUser, session: Session,  # type: ignore[no-untyped-def]
                                                                           make: Factory, invoice) -> None:
    make.user(role=Role.VIEWER, customer_id=invoice.customer_id, email="check@example.com", mfa_secret=SECRET)
    session.commit()
    stored = ensure_document(session, invoice, "en_US", TODAY)
    session.commit()
    await sign_in(user.http_client, "check@example.com", SECRET)

    async def upload(content: bytes) -> str:
        answer = await user.http_client.post("/verify", headers=ORIGIN,
                                             files={"document": ("invoice.pdf", content, "application/pdf")})
        assert answer.status_code == 303
        return answer.headers["location"]

    assert await upload(stored.content) == f"/verify?sha256={stored.sha256}"
    await user.open(f"/verify?sha256={stored.sha256}")
    await user.should_see("Genuine: invoice NCS-2026-0000042")
    assert await upload(b"") == "/verify?problem=empty"
    await user.open("/verify?problem=empty")
    await user.should_see("The file was empty")
    tampered = await upload(stored.content.replace(b"NCS-2026", b"NCS-2027", 1))
    await user.open(tampered)
    await user.should_see("We have no record of this document")
    await user.open("/verify?sha256=not-a-hash")
    await user.should_see("64 characters")
    session.expire_all()
    checks = session.exec(select(AuditEvent).where(AuditEvent.action == "document.verify")).all()
    assert [check.outcome for check in checks] == ["success", "failure"]  # each looked-up hash once


def test_a_render_past_its_time_is_stopped_and_says_so(session: Session, invoice) -> None:  # type: ignore[no-untyped-def]
    from services.invoices.queries import build_invoice_detail as detail_of

    with pytest.raises(render.RenderError, match="took longer than 0.01 s to render and was stopped"):
        render.render_invoice_pdf(detail_of(session, invoice, TODAY), Formatter(locale="en_US"), timeout=0.01)
    # the next render goes on as usual
    assert render.render_invoice_pdf(detail_of(session, invoice, TODAY), Formatter(locale="en_US")).startswith(b"%PDF")


def test_a_very_long_invoice_lists_the_first_lines_and_says_how_many_more(session: Session, make: Factory,
                                                                          tmp_path: Path) -> None:
    lines = [(f"Item number {n:04d}", "1", 100, "19") for n in range(render.MAX_PDF_LINES + 120)]
    invoice = make.invoice(lines=lines)
    session.commit()
    text = pdf_text(ensure_document(session, invoice, "en_US", TODAY).content, tmp_path)
    assert f"Item number {render.MAX_PDF_LINES - 1:04d}" in text
    assert f"Item number {render.MAX_PDF_LINES:04d}" not in text
    assert "and 120 more lines, too many for one PDF" in " ".join(text.split())


async def test_a_pdf_that_cannot_be_rendered_answers_503_with_the_reason(user: SimUser, session: Session,  # type: ignore[no-untyped-def]
                                                                       invoice, make: Factory,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import services.documents.store as store

    def failing(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise render.RenderError("the PDF took longer than 30 s to render and was stopped")

    monkeypatch.setattr(store, "render_invoice_pdf", failing)
    from data import Customer

    make.user(role=Role.OWNER, customer=session.get(Customer, invoice.customer_id), email="slow@example.com",
              mfa_secret=SECRET_503)
    session.commit()
    await sign_in(user.http_client, "slow@example.com", SECRET_503)
    answer = await user.http_client.get(f"/invoices/{invoice.id}/pdf")
    assert answer.status_code == 503 and "took longer than 30 s" in answer.text


SECRET_503 = pyotp.random_base32(32)


def test_the_background_renderer_skips_a_failed_revision_but_not_the_next(session: Session, invoice,  # type: ignore[no-untyped-def]
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import services.documents.store as store

    real = store.render_invoice_pdf
    monkeypatch.setattr(store, "render_invoice_pdf", lambda *_a, **_k: (_ for _ in ()).throw(
        render.RenderError("the PDF took longer than 30 s to render and was stopped")))
    failed: set[tuple[int, int]] = set()
    assert render_missing_documents(session, "en_US", TODAY, failed=failed) == 1
    assert failed == {(invoice.id, invoice.revision)}
    assert render_missing_documents(session, "en_US", TODAY, failed=failed) == 0  # not tried again
    monkeypatch.setattr(store, "render_invoice_pdf", real)
    invoice.revision += 1  # a new version of the invoice arrives
    session.add(invoice)
    session.commit()
    assert render_missing_documents(session, "en_US", TODAY, failed=failed) == 1
