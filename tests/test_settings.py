"""Settings come from PORTAL_* variables; the secret key is generated once and kept private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from services.config.settings import Settings


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", _env_file=None)
    key = settings.resolved_secret_key()
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 43
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path / "var", _env_file=None).resolved_secret_key() == key


def test_secret_key_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.resolved_secret_key() == "x" * 40
    assert not (tmp_path / "secret_key").exists()


def test_a_truncated_secret_key_file_is_an_error_not_a_weak_key(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short")
    with pytest.raises(RuntimeError, match="no usable secret key"):
        Settings(data_dir=tmp_path, _env_file=None).resolved_secret_key()


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'portal.db'}"


def test_environment_variables_use_the_portal_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_PORT", "9090")
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+psycopg://u@db/portal")
    settings = Settings(_env_file=None)
    assert settings.port == 9090
    assert settings.effective_database_url == "postgresql+psycopg://u@db/portal"


def test_an_invalid_port_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_PORT", "99999")
    with pytest.raises(ValueError, match="port"):
        Settings(_env_file=None)
