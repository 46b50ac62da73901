"""PDF download and a year's archive in Chromium, as a customer does it."""

from __future__ import annotations

import re
import subprocess
import zipfile

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Accounts, LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.dates]


def test_download_an_invoice_pdf_and_a_year_archive(browser, live_server: LiveServer, accounts: Accounts,  # type: ignore[no-untyped-def]
                                                    tmp_path) -> None:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    accounts.sign_in(page, "owner@tokyo-trading.example")
    page.goto(f"{live_server.base_url}/")
    page.locator("tbody a").first.click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Invoice ").strip()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"{number}.pdf")
    pdf = tmp_path / "invoice.pdf"
    download.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text
    page.reload()
    page.get_by_test_id("sha256").wait_for()
    screenshot(page, "invoice-with-hash-1280")

    page.goto(f"{live_server.base_url}/export")
    page.get_by_test_id("export-count").wait_for()
    screenshot(page, "export-1280")
    with page.expect_download() as archive_info:
        page.get_by_role("button", name="Download ZIP").click()
    archive_path = tmp_path / "archive.zip"
    archive_info.value.save_as(archive_path)
    archive = zipfile.ZipFile(archive_path)
    names = archive.namelist()
    # Tokyo's demo tier (Basic) has no CSV exports, so its ZIPs carry the PDFs without manifest.csv.
    assert len(names) > 1 and "manifest.csv" not in names
    assert all(name.endswith(".pdf") and archive.read(name).startswith(b"%PDF") for name in names)
    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_test_id("export-count").wait_for()
    screenshot(page, "export-390")
    context.close()
