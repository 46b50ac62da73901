"""One settings object, read once from PORTAL_* environment variables and an optional .env."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"


class LedgerSourceConfig(BaseModel):
    """A ledger the portal polls: `http` (JSON pages with a cursor) or `sql` (a table or view)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    kind: Literal["http", "sql"]
    url: str = Field(min_length=1)
    token: SecretStr | None = Field(default=None, description="http: sent as Authorization: Bearer")
    table: str = Field(default="ledger_events", pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$",
                       description="sql: table or view with columns seq (increasing) and payload (JSON text)")
    batch_size: int = Field(default=500, ge=1, le=10_000)


class Settings(BaseSettings):
    """Everything the operator may configure. See README "Configure" for each variable."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = Field(default=None, description="default: SQLite file in data_dir")
    secret_key: SecretStr | None = Field(default=None, description="default: generated into data_dir")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = Field(default=None, description="e.g. https://invoices.example.com")
    trusted_proxies: str = Field(default="", description="comma-separated IPs or networks of reverse proxies whose "
                                 "X-Forwarded-For/-Proto are believed, e.g. 127.0.0.1; empty: none")

    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    login_max_failures: int = Field(default=10, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)
    login_posts_per_ip_minute: int = Field(default=10, ge=1)

    invitation_days: int = Field(default=7, ge=1, le=60)
    document_locale: str = Field(default="en_US", description="language of invoice PDFs (one per version)")
    export_immediate_limit: int = Field(default=200, ge=1, description="larger archives are built in the background")
    monitor_invoices_per_minute: int = Field(default=30, ge=1, description="opens + downloads per user per minute")
    monitor_login_ips_per_hour: int = Field(default=4, ge=1, description="distinct IPs of one user's sign-ins per hour")
    monitor_denials_per_10_minutes: int = Field(default=10, ge=1, description="refused accesses per user")
    monitor_throttle_minutes: int = Field(default=15, ge=1, description="how long an alert pauses invoice access")
    export_link_hours: int = Field(default=24, ge=1, le=24 * 30)

    redis_url: str | None = Field(default=None, description="e.g. redis://127.0.0.1:6379/0: live events and "
                                  "NiceGUI storage shared by several portal processes")
    smtp_url: str | None = None
    mail_from: str = "Invoice Portal <invoices@localhost>"
    job_lease_seconds: float = Field(default=15.0, ge=1, description="how long a silent process keeps the background "
                                     "jobs before another takes them over")
    ledger_poll_seconds: float = Field(default=2.0, gt=0)
    ledger_push_source: str = Field(default="ledger", max_length=64, description="source name of pushed events")
    ledger_webhook_secret: SecretStr | None = Field(default=None, description="default: derived from the secret key")
    ledger_sources: list[LedgerSourceConfig] = Field(default_factory=list, description="JSON list of polled sources")
    ledger_max_push_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    audit_checkpoint_file: Path | None = Field(default=None, description="default: audit-checkpoints.jsonl in "
                                               "data_dir; best on another disk or machine than the database")
    audit_checkpoint_syslog: bool = Field(default=False, description="also send each checkpoint to syslog (/dev/log)")
    audit_checkpoint_minutes: float = Field(default=5.0, gt=0, description="how often a checkpoint is written")

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'portal.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """PORTAL_SECRET_KEY, else the key stored in the data folder, created (mode 0600) if absent."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _load_or_create_secret_key(self.data_dir / SECRET_KEY_FILE)


def _load_or_create_secret_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise RuntimeError(f"{path} holds no usable secret key; delete it or set PORTAL_SECRET_KEY") from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return Settings()


def ledger_webhook_secret(settings: Settings, secret_key: str) -> str:
    """The shared secret for signed pushes: configured, or derived from the secret key (so a push
    works out of the box; `python portal.py ledger-secret` prints it for the ledger's side)."""
    if settings.ledger_webhook_secret is not None:
        return settings.ledger_webhook_secret.get_secret_value()
    from services.config.keys import derive_key

    return derive_key(secret_key, "ledger-webhook").hex()
