"""E-mail alerts reach an SMTP server (aiosmtpd on loopback); a dead server is retried later."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from data import Notification, NotificationKind, Role
from services.config.runtime import Runtime
from services.notifications.mailer import send_due_emails
from tests.browser.chromium import free_port
from tests.factories import Factory

pytestmark = pytest.mark.dates  # .ci/run runs these again with the host clock moved


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, _server, _session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def due_notification(session: Session, make: Factory) -> Notification:
    invoice = make.invoice(number="INV-MAIL-1")
    user = make.user(role=Role.OWNER, customer_id=invoice.customer_id, email="mail@example.com")
    notification = Notification(user_id=user.id, kind=NotificationKind.PAYMENT_STATUS, invoice_id=invoice.id,  # type: ignore[arg-type]
                                title="Invoice INV-MAIL-1 is now paid",
                                body="Invoice INV-MAIL-1 (€238.00): Paid.", in_app=True, email_due=True)
    session.add(notification)
    session.commit()
    return notification


PORT = free_port()


@pytest.mark.settings(smtp_url=f"smtp://127.0.0.1:{PORT}?starttls=no", public_url="https://invoices.example.com")
async def test_alerts_are_mailed_with_a_link_and_nothing_more(session: Session, runtime: Runtime,
                                                              due_notification: Notification) -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=PORT)
    controller.start()
    try:
        assert await send_due_emails(runtime) == 1
        assert await send_due_emails(runtime) == 0  # sent once
    finally:
        controller.stop()
    recipients, message = inbox.messages[0]
    assert recipients == ["mail@example.com"]
    assert message["Subject"] == "Invoice INV-MAIL-1 is now paid"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"https://invoices.example.com/invoices/{due_notification.invoice_id}" in text
    assert "INV-MAIL-1" in text and "€238.00" in text
    assert message.get_body(preferencelist=("html",)) is not None
    session.refresh(due_notification)
    assert due_notification.email_sent_at is not None


@pytest.mark.settings(smtp_url=f"smtp://127.0.0.1:{free_port()}?starttls=no")
async def test_a_dead_smtp_server_is_retried_later(session: Session, runtime: Runtime,
                                                   due_notification: Notification) -> None:
    assert await send_due_emails(runtime) == 0
    session.refresh(due_notification)
    assert due_notification.email_attempts == 1 and due_notification.email_sent_at is None
    assert due_notification.email_error
    assert await send_due_emails(runtime) == 0  # within the retry pause: not tried again yet
    session.refresh(due_notification)
    assert due_notification.email_attempts == 1
