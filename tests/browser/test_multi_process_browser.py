"""Two portal processes behind Debian's nginx (sticky by a cookie) on one PostgreSQL and one Redis:
a payment pushed to process A shows live in a browser connected to process B, and killing the
process that polls the ledger hands polling to the other one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import Customer, Invoice, JobLease, Vendor
from tests.browser.chromium import free_port
from tests.browser.conftest import (
    DEMO_PASSWORD,
    DESKTOP,
    ROOT,
    Accounts,
    PortalProcess,
    open_invoice_of,
    screenshot,
    server_environment,
    start_portal_process,
)
from tests.conftest import recreate_schema, with_schema
from tests.ledger_events import FakeLedger, invoice_event, push_full_payment

pytestmark = pytest.mark.browser
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET_KEY = "multi-process-secret-key-0123456789abcdef"
NGINX_CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # Sticky sessions with open-source nginx: a browser without the portal_lb cookie is routed by a
    # fresh random key that the response then sets as that cookie, so its page, the page's
    # websocket and everything after reach the same process (which holds the page's state).
    map $cookie_portal_lb $portal_lb_key {{ "" $request_id; default $cookie_portal_lb; }}
    map $cookie_portal_lb $portal_lb_set {{ "" "portal_lb=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ""; }}
    upstream portal {{
        hash $portal_lb_key consistent;
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 3600s;
            add_header Set-Cookie $portal_lb_set always;
            add_header X-Portal-Upstream $upstream_addr always;  # the test reads which process answered
        }}
    }}
}}
"""


@pytest.fixture
def cluster(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: `make test` installs it (apt-get install nginx-light)")
    schema = f"portal_cluster_{os.getpid()}"
    recreate_schema(postgres_url, schema)
    database_url = with_schema(postgres_url, schema)
    ledger = FakeLedger([])
    env = server_environment(PORTAL_DATABASE_URL=database_url, PORTAL_SECRET_KEY=SECRET_KEY, PORTAL_TRUSTED_PROXIES="127.0.0.1",
                             PORTAL_REDIS_URL=redis_url, PORTAL_JOB_LEASE_SECONDS="3",
                             PORTAL_LEDGER_POLL_SECONDS="0.5",
                             PORTAL_LEDGER_SOURCES=json.dumps([{"name": "erp", "kind": "http", "url": ledger.url}]))
    subprocess.run([sys.executable, "portal.py", "migrate"], cwd=ROOT, env=env | {"PORTAL_DATA_DIR": str(tmp_path)},
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "portal.py", "demo", "--customers", "3", "--invoices", "90", "--password",
                    DEMO_PASSWORD], cwd=ROOT, env=env | {"PORTAL_DATA_DIR": str(tmp_path)}, check=True,
                   capture_output=True)
    processes: dict[str, PortalProcess] = {}
    for name in ("a", "b"):
        data_dir = tmp_path / name  # each process its own data dir: they share only PostgreSQL and Redis
        data_dir.mkdir()
        processes[name] = start_portal_process(env | {"PORTAL_DATA_DIR": str(data_dir)}, tmp_path / f"{name}.log")
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    port = free_port()
    (nginx_dir / "nginx.conf").write_text(NGINX_CONF.format(
        dir=nginx_dir, port=port, port_a=processes["a"].base_url.rsplit(":", 1)[1],
        port_b=processes["b"].base_url.rsplit(":", 1)[1]))
    subprocess.run([NGINX, "-c", str(nginx_dir / "nginx.conf"), "-p", str(nginx_dir)], check=True)
    engine = sa.create_engine(database_url)
    try:
        yield {"processes": processes, "proxy": f"http://127.0.0.1:{port}", "engine": engine, "ledger": ledger,
               "database_url": database_url}
    finally:
        subprocess.run([NGINX, "-c", str(nginx_dir / "nginx.conf"), "-p", str(nginx_dir), "-s", "stop"], check=False)
        for process in processes.values():
            process.stop()
        ledger.server.shutdown()
        engine.dispose()
        with sa.create_engine(postgres_url).begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _lease_holder_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        holder = connection.execute(sa.select(JobLease.holder)).scalar_one()
    return int(holder.split(":")[1])


def test_a_payment_through_one_process_shows_live_on_the_other_and_polling_fails_over(  # type: ignore[no-untyped-def]
        browser, cluster) -> None:
    engine, processes = cluster["engine"], cluster["processes"]
    invoice = open_invoice_of(cluster["database_url"], "Müller")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    Accounts(cluster["proxy"]).sign_in(page, "accountant@mueller.example")
    response = page.goto(f"{cluster['proxy']}/?number={invoice.number}")
    assert response is not None
    serving_port = response.headers["x-portal-upstream"].rsplit(":", 1)[1]
    other = next(process for process in processes.values() if not process.base_url.endswith(f":{serving_port}"))
    status = page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status]")
    status.wait_for()
    assert status.get_attribute("data-status") != "paid"

    pushed = push_full_payment(other.base_url, SECRET_KEY, invoice)  # straight to the other process
    assert pushed.status_code == 200 and pushed.json()["applied"] == 1, pushed.text
    page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status='paid']").wait_for(timeout=5000)
    page.get_by_text(f"Invoice {invoice.number} is now paid").wait_for(timeout=5000)
    screenshot(page, "multi-process-live-1280")
    context.close()

    # Exactly one process polls the ledger; kill it without warning and the other takes over.
    leader_pid = _lease_holder_pid(engine)
    leader = next(process for process in processes.values() if process.process.pid == leader_pid)
    survivor = next(process for process in processes.values() if process is not leader)
    with engine.connect() as connection:
        customer_ref, vendor_code = connection.execute(
            sa.select(Customer.ref, Vendor.code).select_from(Customer).join(Vendor, sa.true()).limit(1)).one()
    ledger: FakeLedger = cluster["ledger"]
    ledger.events.append(invoice_event("erp-1", customer_ref=customer_ref, vendor_code=vendor_code,
                                       number="ERP-FAILOVER-1"))
    _wait_for_invoice(engine, "erp-1")
    os.kill(leader_pid, signal.SIGKILL)
    leader.process.wait(timeout=10)
    ledger.events.append(invoice_event("erp-2", customer_ref=customer_ref, vendor_code=vendor_code,
                                       number="ERP-FAILOVER-2"))
    _wait_for_invoice(engine, "erp-2", timeout=30)
    assert _lease_holder_pid(engine) == survivor.process.pid
    with engine.connect() as connection:
        numbers = connection.execute(sa.select(Invoice.number).where(Invoice.source == "erp")).scalars().all()
    assert sorted(numbers) == ["ERP-FAILOVER-1", "ERP-FAILOVER-2"]  # each once: nothing lost, nothing twice


def _wait_for_invoice(engine: sa.Engine, external_id: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(sa.select(Invoice.id).where(Invoice.external_id == external_id)).first():
                return
        time.sleep(0.2)
    raise AssertionError(f"invoice {external_id} was not imported within {timeout} s")
