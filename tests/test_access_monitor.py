"""The access-pattern monitor: unusual use raises an audit alert, pauses the user's invoice access,
shows on the console's alert list, and staff can release it."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from nicegui.testing import User as SimUser
from sqlmodel import Session, select

from data import AccessAlert, AuditEvent, Role, utcnow
from services.audit.monitor import throttled_until
from services.audit.trail import record_audit
from services.config.runtime import Runtime
from services.documents.downloads import download_invoice_pdf
from services.errors import Forbidden, LimitExceeded
from services.invoices.queries import get_invoice_detail, record_invoice_denial
from services.principal import RequestInfo
from services.staff.access_alerts import list_alerts, resolve_alert
from tests.clock import TODAY
from tests.factories import Factory, principal_for
from tests.web import sign_in

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved

SECRET = pyotp.random_base32(32)


def _alerts(session: Session) -> list[tuple[str, str]]:
    session.expire_all()
    return [(alert.kind, alert.detail) for alert in session.exec(select(AccessAlert).order_by(AccessAlert.id)).all()]


@pytest.mark.settings(monitor_invoices_per_minute=3, monitor_throttle_minutes=10)
def test_opening_too_many_invoices_a_minute_raises_an_alert_and_pauses_access(
        session: Session, runtime: Runtime, make: Factory) -> None:
    viewer = make.user(role=Role.VIEWER)
    other = make.user(role=Role.VIEWER)
    invoices = [make.invoice(customer_id=viewer.customer_id) for _ in range(5)]
    other_invoice = make.invoice(customer_id=other.customer_id)
    session.commit()
    principal = principal_for(viewer)
    for invoice in invoices[:3]:
        get_invoice_detail(session, principal, invoice.id, TODAY, secret_key=runtime.secret_key)  # type: ignore[arg-type]
    session.commit()
    assert _alerts(session) == []
    download_invoice_pdf(session, runtime, principal, invoices[3].id, TODAY)  # type: ignore[arg-type]
    session.commit()
    assert _alerts(session) == [("rapid_access", "4 invoices opened or downloaded within a minute")]
    alert_row = session.exec(select(AuditEvent).where(AuditEvent.action == "monitor.alert")).one()
    assert (alert_row.user_id, alert_row.customer_id) == (viewer.id, viewer.customer_id)
    with pytest.raises(LimitExceeded, match="paused for about 10 minutes") as refused:
        get_invoice_detail(session, principal, invoices[4].id, TODAY, secret_key=runtime.secret_key)  # type: ignore[arg-type]
    assert refused.value.code == "throttled"
    session.rollback()
    with pytest.raises(LimitExceeded):
        download_invoice_pdf(session, runtime, principal, invoices[0].id, TODAY)  # type: ignore[arg-type]
    session.rollback()
    # Only that user is paused; a live refresh of an open page (no new view) still works.
    get_invoice_detail(session, principal_for(other), other_invoice.id, TODAY, secret_key=runtime.secret_key)  # type: ignore[arg-type]
    get_invoice_detail(session, principal, invoices[0].id, TODAY, secret_key="", audit_action=None)  # type: ignore[arg-type]
    assert throttled_until(session, viewer.id, utcnow() + timedelta(minutes=11)) is None  # type: ignore[arg-type]


@pytest.mark.settings(monitor_invoices_per_minute=2)
def test_staff_see_the_alert_and_releasing_it_ends_the_pause(session: Session, runtime: Runtime, make: Factory) -> None:
    viewer = make.user(role=Role.VIEWER, email="fast.reader@example.com")
    support = principal_for(make.user(role=Role.SUPPORT))
    invoices = [make.invoice(customer_id=viewer.customer_id) for _ in range(4)]
    session.commit()
    principal = principal_for(viewer)
    for invoice in invoices[:3]:
        get_invoice_detail(session, principal, invoice.id, TODAY, secret_key=runtime.secret_key)  # type: ignore[arg-type]
    session.commit()
    [shown] = list_alerts(session, support)
    assert shown.user_email == "fast.reader@example.com" and shown.active(utcnow())
    with pytest.raises(Forbidden):
        list_alerts(session, principal)
    resolve_alert(session, runtime, support, shown.id)
    session.commit()
    get_invoice_detail(session, principal, invoices[3].id, TODAY, secret_key=runtime.secret_key)  # type: ignore[arg-type]
    session.commit()
    assert len(_alerts(session)) == 1  # the window still holds 4 opens, but the alert was looked at already
    assert session.exec(select(AuditEvent.user_id).where(AuditEvent.action == "monitor.resolve")).one() == support.user_id


@pytest.mark.settings(monitor_login_ips_per_hour=2)
def test_sign_ins_from_many_addresses_raise_one_alert(session: Session, runtime: Runtime, make: Factory) -> None:
    user = make.user(role=Role.ACCOUNTANT)
    for n in range(5):
        record_audit(session, runtime.secret_key, "login.success", "success", user_id=user.id,
                     customer_id=user.customer_id, request=RequestInfo(ip=f"203.0.113.{n % 3 + 1}"))
    session.commit()
    assert _alerts(session) == [("many_ips", "sign-ins from 3 addresses within an hour")]


@pytest.mark.settings(monitor_denials_per_10_minutes=3)
def test_repeated_refusals_raise_an_alert_and_the_pause_does_not_feed_itself(
        session: Session, runtime: Runtime, make: Factory) -> None:
    prober = principal_for(make.user(role=Role.VIEWER))
    session.commit()
    for invoice_id in range(100, 104):
        record_invoice_denial(session, runtime.secret_key, prober, invoice_id)
    session.commit()
    assert [kind for kind, _ in _alerts(session)] == ["repeated_denials"]
    for _ in range(10):
        record_invoice_denial(session, runtime.secret_key, prober, 1, reason="throttled")
    session.commit()
    assert len(_alerts(session)) == 1


@pytest.mark.settings(monitor_invoices_per_minute=1)
async def test_a_paused_user_gets_a_clear_429_page_and_the_refusal_is_audited(
        user: SimUser, session: Session, make: Factory) -> None:
    viewer = make.user(role=Role.VIEWER, email="paused@example.com", mfa_secret=SECRET)
    first, second, third = (make.invoice(customer_id=viewer.customer_id) for _ in range(3))
    session.commit()
    await sign_in(user.http_client, "paused@example.com", SECRET)
    assert (await user.http_client.get(f"/invoices/{first.id}/pdf")).status_code == 200
    assert (await user.http_client.get(f"/invoices/{second.id}/pdf")).status_code == 200
    response = await user.http_client.get(f"/invoices/{third.id}/pdf")
    assert response.status_code == 429 and "paused" in response.text and response.headers["retry-after"]
    page = await user.http_client.get(f"/invoices/{third.id}")
    assert page.status_code == 429 and "Please wait a few minutes" in page.text
    session.expire_all()
    refusals = session.exec(select(AuditEvent.action, AuditEvent.reason).where(AuditEvent.outcome == "denied")).all()
    assert refusals == [("invoice.download", "throttled"), ("invoice.view", "throttled")]
