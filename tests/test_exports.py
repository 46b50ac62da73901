"""Bulk exports: archive contents equal the selection, limits say why, links expire and are private."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
import zipfile
from datetime import date, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine
from nicegui.testing import User as SimUser
from sqlmodel import Session, func, select

from data import AuditEvent, Customer, ExportJob, ExportStatus, InvoiceStatus, Notification, Role, utcnow
from services.config.runtime import Runtime
from services.documents import store
from services.documents.export_selection import ExportSelection
from services.documents.exports import export_path, my_exports, remove_expired_exports, run_export_job, start_export
from services.invoices.list_query import InvoiceQuery, Period
from tests.clock import TODAY
from tests.factories import Factory, principal_for
from tests.web import ORIGIN, sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)
OTHER_SECRET = pyotp.random_base32(32)


@pytest.fixture
def account(session: Session, make: Factory):  # type: ignore[no-untyped-def]
    tier = make.tier(max_export_invoices=50, exports_per_hour=5)
    customer = make.customer(tier_id=tier.id)
    vendor = make.vendor(name="Northwind Hardware")
    invoices = [make.invoice(customer=customer, vendor=vendor, number=f"NHW-2025-{n:04d}",
                             issue_date=date(2025, 1 + n % 12, 1 + n)) for n in range(6)]
    invoices.append(make.invoice(customer=customer, vendor=vendor, number="=HYPERLINK(\"http://x\")",
                                 issue_date=date(2025, 12, 30)))
    make.invoice(customer=customer, vendor=vendor, number="DRAFT-1", issue_date=date(2025, 6, 6),
                 status=InvoiceStatus.DRAFT)
    foreign = make.invoice(number="FOREIGN-1", issue_date=date(2025, 5, 5))
    owner = make.user(role=Role.OWNER, customer=customer, email="exporter@example.com", mfa_secret=SECRET)
    colleague = make.user(role=Role.ACCOUNTANT, customer=customer, email="colleague@example.com",
                          mfa_secret=OTHER_SECRET)
    viewer = make.user(role=Role.VIEWER, customer=customer, email="viewer-exp@example.com",
                       mfa_secret=pyotp.random_base32(32))
    session.commit()
    return {"tier": tier, "invoices": invoices, "foreign": foreign, "owner": owner, "colleague": colleague,
            "viewer": viewer}


async def post_export(client, selection: str, kind: str = "zip"):  # type: ignore[no-untyped-def]
    return await client.post("/exports", data={"selection": selection, "kind": kind}, headers=ORIGIN)


async def test_a_tier_without_csv_gets_zips_without_the_manifest(user: SimUser, session: Session,  # type: ignore[no-untyped-def]
                                                                   account) -> None:
    account["tier"].can_export_csv = False
    session.add(account["tier"])
    session.commit()
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    refused = await post_export(user.http_client, "period=custom&from=2025-01-01&to=2025-12-31", "csv")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/export?problem=")
    response = await post_export(user.http_client, "period=custom&from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "manifest.csv" not in names and len(names) == len(account["invoices"])
    assert all(name.endswith(".pdf") for name in names)


async def test_a_year_as_zip_holds_every_pdf_and_a_matching_manifest(user: SimUser, session: Session, account) -> None:  # type: ignore[no-untyped-def]
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await post_export(user.http_client, "period=custom&from=2025-01-01&to=2025-12-31")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
    expected = {invoice.number for invoice in account["invoices"]}
    assert {row["number"].lstrip("'") for row in manifest} == expected  # no draft, nothing foreign
    for row in manifest:
        content = archive.read(row["file"])
        assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == row["sha256"]
    assert names == {row["file"] for row in manifest} | {"manifest.csv"}
    assert "Northwind-Hardware-NHW-2025-0000.pdf" in names
    assert manifest[0]["currency"] == "EUR" and manifest[0]["total"] == "238.00"
    audited = session.exec(select(AuditEvent.object_id).where(AuditEvent.action == "invoice.export")).all()
    assert sorted(map(int, audited)) == sorted(invoice.id for invoice in account["invoices"])  # type: ignore[misc]


async def test_csv_export_and_formula_cells_stay_text(user: SimUser, account) -> None:  # type: ignore[no-untyped-def]
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await post_export(user.http_client, "period=custom&from=2025-12-01&to=2025-12-31", "csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["number"] for row in rows] == ["'=HYPERLINK(\"http://x\")"]  # a formula would run in a spreadsheet


async def test_selected_rows_export_only_those_and_never_foreign_ones(user: SimUser, account) -> None:  # type: ignore[no-untyped-def]
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    chosen = account["invoices"][:2]
    ids = ",".join(str(i.id) for i in chosen) + f",{account['foreign'].id}"
    response = await post_export(user.http_client, f"ids={ids}", "csv")
    assert sorted(row["number"] for row in csv.DictReader(io.StringIO(response.text))) == \
        sorted(invoice.number for invoice in chosen)


@pytest.mark.parametrize(("selection", "kind", "problem"), [
    ("ids=", "zip", "empty"),
    ("period=custom&from=1999-01-01&to=1999-12-31", "zip", "empty"),
    ("period=custom&from=0001-01-01&to=9999-12-31", "zip", "invalid_selection"),
    ("status=nonsense", "zip", "invalid_selection"),
    ("ids=1,two,3", "zip", "invalid_selection"),
    ("", "exe", "invalid_kind"),
])
async def test_bad_export_requests_explain_themselves(user: SimUser, session: Session, account, selection: str,  # type: ignore[no-untyped-def]
                                                      kind: str, problem: str) -> None:
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await post_export(user.http_client, selection, kind)
    assert response.status_code == 303 and response.headers["location"] == f"/export?problem={problem}"
    assert session.exec(select(func.count()).select_from(ExportJob)).one() == 0


async def test_tier_limits_give_clear_messages(user: SimUser, session: Session, account) -> None:  # type: ignore[no-untyped-def]
    account["tier"].max_export_invoices = 3
    account["tier"].exports_per_hour = 1
    session.commit()
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    too_many = await post_export(user.http_client, "")
    assert too_many.headers["location"] == "/export?problem=too_many"
    assert (await post_export(user.http_client, f"ids={account['invoices'][0].id}", "csv")).status_code == 200
    rate = await post_export(user.http_client, f"ids={account['invoices'][1].id}", "csv")
    assert rate.headers["location"] == "/export?problem=rate"
    refusals = session.exec(select(AuditEvent.reason).where(AuditEvent.action == "export.refused")).all()
    assert refusals == ["too_many", "rate"]
    page = await user.http_client.get("/export?problem=rate")
    assert "exports per hour" in page.text


async def test_viewers_cannot_export(user: SimUser, session: Session, account) -> None:  # type: ignore[no-untyped-def]
    from services.auth.totp import open_secret
    from tests.factories import TEST_SECRET_KEY

    await sign_in(user.http_client, "viewer-exp@example.com",
                  open_secret(TEST_SECRET_KEY, account["viewer"].totp_secret_encrypted))
    assert (await post_export(user.http_client, "")).headers["location"] == "/export?problem=forbidden"


@pytest.mark.settings(export_immediate_limit=2)
async def test_large_exports_run_in_the_background_with_a_private_expiring_link(  # type: ignore[no-untyped-def]
    user: SimUser, session: Session, runtime: Runtime, account
) -> None:
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await post_export(user.http_client, "")
    assert response.headers["location"] == "/export?started=1"
    busy = await post_export(user.http_client, f"ids={account['invoices'][0].id}")
    assert busy.headers["location"] == "/export?problem=busy"
    job = session.exec(select(ExportJob)).one()
    assert job.status == ExportStatus.QUEUED and job.background and job.invoice_count == 7

    run_export_job(lambda: Session(runtime.engine), runtime, job.id, TODAY)  # type: ignore[arg-type]
    session.expire_all()
    job = session.get(ExportJob, job.id)
    assert job.status == ExportStatus.READY and job.progress == 7 and job.expires_at is not None  # type: ignore[union-attr]
    assert session.exec(select(Notification).where(Notification.user_id == account["owner"].id)).one()

    download = await user.http_client.get(f"/exports/{job.public_id}/download")  # type: ignore[union-attr]
    assert download.status_code == 200 and download.headers["cache-control"] == "no-store"
    assert len(zipfile.ZipFile(io.BytesIO(download.content)).namelist()) == 8
    page = await user.http_client.get("/export")
    assert f"/exports/{job.public_id}/download" in page.text  # type: ignore[union-attr]

    user.http_client.cookies.clear()
    await sign_in(user.http_client, "colleague@example.com", OTHER_SECRET)
    assert (await user.http_client.get(f"/exports/{job.public_id}/download")).status_code == 404  # type: ignore[union-attr]

    user.http_client.cookies.clear()
    with time_machine.travel(utcnow() + timedelta(hours=25)):
        await sign_in(user.http_client, "exporter@example.com", SECRET)
        assert (await user.http_client.get(f"/exports/{job.public_id}/download")).status_code == 404  # type: ignore[union-attr]
        assert remove_expired_exports(session, runtime) == 1
    assert not (runtime.settings.data_dir / "exports" / f"{job.public_id}.zip").exists()  # type: ignore[union-attr]


async def test_a_plan_without_csv_refuses_csv_but_allows_archives(user: SimUser, session: Session, account) -> None:  # type: ignore[no-untyped-def]
    account["tier"].can_export_csv = False
    session.commit()
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    assert (await post_export(user.http_client, "", "csv")).headers["location"] == "/export?problem=forbidden"
    assert (await post_export(user.http_client, f"ids={account['invoices'][0].id}", "zip")).status_code == 200


async def test_exports_posted_from_another_site_are_refused(user: SimUser, session: Session, account) -> None:  # type: ignore[no-untyped-def]
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await user.http_client.post("/exports", data={"selection": "", "kind": "csv"},
                                           headers={"origin": "https://evil.example"})
    assert response.status_code == 403 and "another site" in response.text
    assert session.exec(select(func.count()).select_from(ExportJob)).one() == 0


@pytest.mark.parametrize(("query", "stem", "covers"), [
    (InvoiceQuery(period=Period.LAST_YEAR), "invoices-2025", "invoices issued in 2025"),
    (InvoiceQuery(period=Period.THIS_QUARTER), "invoices-2026-Q4", "invoices issued in 2026-Q4"),
    (InvoiceQuery(period=Period.LAST_MONTH), "invoices-2026-10", "invoices issued in 2026-10"),
    (InvoiceQuery(period=Period.CUSTOM, date_from=date(2026, 1, 5), date_to=date(2026, 3, 31)),
     "invoices-2026-01-05-to-2026-03-31", "invoices issued 2026-01-05 to 2026-03-31"),
    (InvoiceQuery(period=Period.CUSTOM), "invoices-all", "all invoices"),
    (InvoiceQuery(period=Period.THIS_YEAR, vendor_codes=("NHW",), statuses=(InvoiceStatus.PAID,)),
     "invoices-2026-filtered", "invoices issued in 2026 · vendor NHW · paid"),
])
def test_an_export_is_named_and_described_by_what_it_covers(query: InvoiceQuery, stem: str, covers: str) -> None:
    today = date(2026, 11, 26)
    selection = ExportSelection(query=query)
    assert (selection.file_stem(today), selection.covers(today)) == (stem, covers)
    assert ExportSelection(invoice_ids=(4, 9, 12)).file_stem(today) == "invoices-selected-3"
def archived_numbers(runtime: Runtime, job: ExportJob) -> list[str]:
    """The invoice numbers in a built background archive's manifest, checked against its PDFs."""
    with zipfile.ZipFile(export_path(runtime, job)) as archive:
        manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8"))))
        assert sorted(name for name in archive.namelist() if name.endswith(".pdf")) == sorted(row["file"] for row in manifest)
    return [row["number"].lstrip("'") for row in manifest]


@pytest.mark.settings(export_immediate_limit=2)
async def test_a_background_export_holds_what_the_list_says_though_invoices_arrive_before_it_is_built(  # type: ignore[no-untyped-def]
    user: SimUser, session: Session, runtime: Runtime, make: Factory, account
) -> None:
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    response = await post_export(user.http_client, "period=custom&from=2025-01-01&to=2025-12-31")
    assert response.headers["location"] == "/export?started=1"
    # The ledger issues another invoice of that year while the export waits for the worker (#14).
    customer = session.get(Customer, account["owner"].customer_id)
    make.invoice(customer=customer, number="NHW-2025-LATE", issue_date=date(2025, 12, 31))
    session.commit()

    job = session.exec(select(ExportJob)).one()
    run_export_job(lambda: Session(runtime.engine), runtime, job.id, TODAY)  # type: ignore[arg-type]
    session.expire_all()
    [shown] = my_exports(session, runtime, principal_for(account["owner"]))
    numbers = archived_numbers(runtime, job)
    assert shown.status == ExportStatus.READY and shown.invoice_count == len(numbers) == 7
    assert sorted(numbers) == sorted(invoice.number for invoice in account["invoices"])  # not NHW-2025-LATE
    audited = session.exec(select(AuditEvent.object_id).where(AuditEvent.action == "invoice.export")).all()
    assert sorted(map(int, audited)) == sorted(invoice.id for invoice in account["invoices"])  # type: ignore[misc]


@pytest.mark.settings(export_immediate_limit=2)
async def test_a_period_like_last_year_means_the_requesters_day_not_the_workers(  # type: ignore[no-untyped-def]
    user: SimUser, session: Session, runtime: Runtime, account
) -> None:
    await sign_in(user.http_client, "exporter@example.com", SECRET)
    assert (await post_export(user.http_client, "period=last_year")).headers["location"] == "/export?started=1"
    job = session.exec(select(ExportJob)).one()
    assert job.invoice_count == 7
    # The worker builds on its own (UTC) day, which may already be in the next year.
    run_export_job(lambda: Session(runtime.engine), runtime, job.id, date(TODAY.year + 1, 1, 1))  # type: ignore[arg-type]
    assert sorted(archived_numbers(runtime, job)) == sorted(invoice.number for invoice in account["invoices"])


@pytest.mark.settings(export_immediate_limit=2)
def test_building_an_export_never_holds_the_write_lock_while_it_renders(  # type: ignore[no-untyped-def]
    session: Session, runtime: Runtime, engine: sa.Engine, account, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL locks rows")
    real_render = store.render_invoice_pdf
    locked_during: list[str] = []

    def render_while_probing(detail, fmt):  # type: ignore[no-untyped-def]
        # Another writer (the ledger, a lease renewal, a page's session) must get the lock at once.
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)  # type: ignore[arg-type]
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            locked_during.append(detail.number)
        finally:
            probe.close()
        return real_render(detail, fmt)

    monkeypatch.setattr(store, "render_invoice_pdf", render_while_probing)
    job = start_export(session, runtime, principal_for(account["owner"]), ExportSelection.from_text(""), "zip", TODAY)
    session.commit()
    assert job.background
    run_export_job(lambda: Session(runtime.engine), runtime, job.id, TODAY)  # type: ignore[arg-type]
    assert len(archived_numbers(runtime, job)) == 7
    assert locked_during == []
