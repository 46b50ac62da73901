"""E-mail alerts over SMTP (aiosmtplib): text and HTML, a link to the invoice, nothing more than
its number, amount and status. Failed sends are retried with growing pauses, five times."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlmodel import Session, col, select

from data import Notification, User, utcnow
from services.config.runtime import Runtime

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 20


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    """smtp://user:pass@host:587 (STARTTLS when offered), smtps://host:465 (TLS), smtp://host:25?starttls=no."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("PORTAL_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
    secure = parts.scheme == "smtps"
    start_tls = not secure and "starttls=no" not in parts.query
    return SmtpTarget(parts.hostname, parts.port or (465 if secure else 587),
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None, secure, start_tls)


def build_message(runtime: Runtime, to: str, notification: Notification) -> EmailMessage:
    base = (runtime.settings.public_url or f"http://{runtime.settings.host}:{runtime.settings.port}").rstrip("/")
    link = f"{base}/invoices/{notification.invoice_id}" if notification.invoice_id else f"{base}/export"
    message = EmailMessage()
    message["From"] = runtime.settings.mail_from
    message["To"] = to
    message["Subject"] = notification.title
    message.set_content(f"{notification.body}\n\nOpen it in the portal: {link}\n\n"
                        "You get this e-mail because you asked for it in the portal's settings.\n")
    message.add_alternative(
        f"<p>{html.escape(notification.body)}</p><p><a href=\"{html.escape(link)}\">Open it in the portal</a></p>"
        "<p style=\"color:#555\">You get this e-mail because you asked for it in the portal's settings.</p>",
        subtype="html")
    return message


def _due(db: Session) -> list[tuple[Notification, str]]:
    now = utcnow()
    rows = db.exec(select(Notification, col(User.email)).join(User, col(User.id) == col(Notification.user_id)).where(
        col(Notification.email_due), col(Notification.email_sent_at).is_(None),
        col(Notification.email_attempts) < MAX_ATTEMPTS, col(User.is_active)).order_by(col(Notification.id)).limit(BATCH * 3)).all()
    ready = []
    for notification, email in rows:
        # Retry pause grows 1, 2, 4, 8 minutes after each failure.
        if notification.email_attempts and notification.created_at + timedelta(
                minutes=2 ** notification.email_attempts - 1) > now:
            continue
        ready.append((notification, email))
    return ready[:BATCH]


async def send_due_emails(runtime: Runtime) -> int:
    """Send the e-mails that are due; returns how many went out."""
    if not runtime.settings.smtp_url:
        return 0
    target = parse_smtp_url(runtime.settings.smtp_url)
    sent = 0
    with Session(runtime.engine) as db:
        for notification, email in _due(db):
            try:
                await aiosmtplib.send(build_message(runtime, email, notification), hostname=target.host,
                                      port=target.port, username=target.username, password=target.password,
                                      use_tls=target.use_tls, start_tls=target.start_tls or None, timeout=15)
            except (aiosmtplib.SMTPException, OSError) as error:
                notification.email_attempts += 1
                notification.email_error = f"{type(error).__name__}"[:500]
                log.warning("e-mail notification %s failed (%d of %d): %s", notification.id,
                            notification.email_attempts, MAX_ATTEMPTS, type(error).__name__)
            else:
                notification.email_sent_at = utcnow()
                notification.email_error = None
                sent += 1
            db.add(notification)
            db.commit()
    return sent
