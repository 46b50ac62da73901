"""The served shell: the sign-in page renders in the frame and /healthz reports the database."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from pages.login import LOGIN_MESSAGES


async def test_login_page_renders_a_labelled_form(user: User) -> None:
    await user.open("/login")
    await user.should_see("Invoice Portal")
    await user.should_see("Sign in")
    await user.should_see("E-mail")
    await user.should_see("Password")
    await user.should_not_see(LOGIN_MESSAGES["invalid"])


async def test_login_page_shows_messages_by_code_only(user: User) -> None:
    await user.open("/login?error=invalid")
    await user.should_see(LOGIN_MESSAGES["invalid"])
    await user.open("/login?error=%3Cscript%3Ealert(1)%3C/script%3E")
    await user.should_not_see("alert(1)")
    await user.should_not_see(LOGIN_MESSAGES["invalid"])


async def test_login_form_posts_to_the_auth_route(user: User) -> None:
    response = await user.http_client.get("/login?next=/invoices/7")
    assert response.status_code == 200
    assert 'action="/auth/login"' in response.text or "/auth/login" in response.text


async def test_healthz_reports_the_database(user: User) -> None:
    response = await user.http_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


async def test_healthz_says_503_when_the_database_is_gone(user: User, runtime) -> None:  # type: ignore[no-untyped-def]
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("simulates a vanished SQLite file")
    from dataclasses import replace

    import sqlalchemy as sa
    from nicegui import app

    runtime.engine.dispose()
    app.state.runtime = replace(app.state.runtime, engine=sa.create_engine("sqlite:////nonexistent-dir/portal.db"))
    response = await user.http_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert "nonexistent" not in response.text
