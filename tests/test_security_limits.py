"""The small holes of issue #13, each closed: encoded mailto links, staff refusals audited, the API
docs for staff only, one rule for CSV in archives, forwarded addresses only from configured proxies,
NiceGUI's cookie no longer than a session, and sign-in answering alike for every kind of address."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AuditEvent, Role
from services.config.runtime import Runtime
from services.url_params import mailto_url
from tests.factories import Factory
from tests.web import sign_in

SECRET = pyotp.random_base32(32)


def test_a_mailto_link_carries_one_address_and_one_subject_whatever_the_text() -> None:
    link = mailto_url("ann+billing@example.com", "Re: Question about INV-1?cc=evil@x.com&body=click&bcc=a@b.c#x")
    parts = urlsplit(link)
    assert parts.scheme == "mailto" and unquote(parts.path) == "ann+billing@example.com"
    assert parse_qs(parts.query) == {"subject": ["Re: Question about INV-1?cc=evil@x.com&body=click&bcc=a@b.c#x"]}
    assert parts.fragment == ""


async def test_a_staff_request_for_an_invoice_pdf_is_refused_and_audited(user: SimUser, session: Session,
                                                                       make: Factory) -> None:
    invoice = make.invoice()
    make.user(role=Role.SUPPORT, email="support@portal.example", mfa_secret=SECRET)
    session.commit()
    await sign_in(user.http_client, "support@portal.example", SECRET)
    answer = await user.http_client.get(f"/invoices/{invoice.id}/pdf")
    assert answer.status_code == 403
    session.expire_all()
    row = session.exec(select(AuditEvent).where(AuditEvent.action == "invoice.download")).one()
    assert (row.outcome, row.object_id) == ("denied", str(invoice.id))


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc"])
async def test_the_api_documentation_is_for_staff_only(user: SimUser, session: Session, make: Factory,
                                                       path: str) -> None:
    customer = make.customer()
    make.user(role=Role.OWNER, customer=customer, email="owner@docs.example", mfa_secret=SECRET)
    make.user(role=Role.ADMIN, email="admin@docs.example", mfa_secret=SECRET)
    session.commit()
    assert (await user.http_client.get(path)).status_code in (303, 401)
    await sign_in(user.http_client, "owner@docs.example", SECRET)
    assert (await user.http_client.get(path)).status_code == 404
    user.http_client.cookies.clear()
    await sign_in(user.http_client, "admin@docs.example", SECRET)
    assert (await user.http_client.get(path)).status_code == 200


def test_the_ui_cookie_lives_no_longer_than_a_session(runtime: Runtime) -> None:
    from nicegui import app
    from starlette.middleware.sessions import SessionMiddleware

    options = next(m.kwargs for m in app.user_middleware if m.cls is SessionMiddleware)
    assert options["max_age"] == runtime.settings.session_absolute_hours * 3600


@pytest.mark.parametrize("stored", ["!invited", "", "not-a-hash"])
def test_an_account_without_a_usable_password_costs_a_real_hash_check(stored: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Same work on every path (no timed test: the hasher is counted): an invited address that has not
    accepted yet answers in the time of a real check, like unknown and known addresses."""
    from services.auth import passwords

    checked: list[str] = []
    real = passwords._hasher
    reference = passwords.reference_hash()

    class CountingHasher:
        def verify(self, hashed: str, password: str) -> bool:
            checked.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    assert passwords.verify_password(stored, "a password of someone") is False
    assert checked == [reference]
