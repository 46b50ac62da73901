"""Whose address the audit trail records: X-Forwarded-For counts only from a configured proxy
(PORTAL_TRUSTED_PROXIES), never by default, not even from 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.browser.conftest import ROOT, portal_database, server_environment, start_portal_process

pytestmark = [pytest.mark.browser]


def _failed_sign_in_ip(tmp_path: Path, name: str, **settings: str) -> str | None:
    data_dir = tmp_path / name
    database_url = f"sqlite:///{data_dir / 'portal.db'}"
    env = server_environment(PORTAL_DATA_DIR=str(data_dir), PORTAL_DATABASE_URL=database_url,
                             PORTAL_SECRET_KEY="forwarded-for-test-secret-0123456789", **settings)
    data_dir.mkdir()
    subprocess.run([sys.executable, "portal.py", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = start_portal_process(env, tmp_path / f"{name}.log")
    try:
        answer = httpx.post(f"{server.base_url}/auth/login", data={"email": "nobody@example.com", "password": "x"},
                            headers={"origin": server.base_url, "x-forwarded-for": "203.0.113.9"})
        assert answer.status_code == 303
    finally:
        server.stop()
    with portal_database(database_url) as connection:
        return connection.execute(sa.text("SELECT ip FROM audit_event WHERE action = 'login.password'")).scalar()


def test_forwarded_addresses_count_only_from_configured_proxies(tmp_path: Path) -> None:
    assert _failed_sign_in_ip(tmp_path, "default") == "127.0.0.1"
    assert _failed_sign_in_ip(tmp_path, "proxied", PORTAL_TRUSTED_PROXIES="127.0.0.1") == "203.0.113.9"
