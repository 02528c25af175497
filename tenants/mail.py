"""Outgoing mail: SMTP when configured, otherwise the log and the outbox table."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId

log = logging.getLogger(__name__)


class OutboxMessage(Base):
    """Every mail the platform sent or tried to send."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # logged | sent | failed
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "Digital Factory <no-reply@localhost>"


class Mailer:
    """Sends mail through SMTP, or keeps it in the outbox when SMTP is not configured."""

    def __init__(self, smtp: SmtpSettings | None, sender: str) -> None:
        self.smtp = smtp
        self.sender = sender

    def send(self, session: Session, to: str, subject: str, body: str) -> OutboxMessage:
        """Send one plain-text mail and record it in the outbox."""
        message = OutboxMessage(recipient=to, subject=subject, body_text=body, status="logged")
        if self.smtp is None:
            log.info("mail (no SMTP configured) to=%s subject=%s\n%s", to, subject, body)
        else:
            try:
                self._deliver(self.smtp, to, subject, body)
                message.status = "sent"
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("mail to %s failed: %s", to, exc.__class__.__name__)
                message.status, message.error = "failed", str(exc)[:500]
        session.add(message)
        return message

    def _deliver(self, smtp: SmtpSettings, to: str, subject: str, body: str) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, to, subject
        mail.set_content(body)
        with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(mail)


def recent_mail(session: Session, recipient: str | None = None, limit: int = 50) -> list[OutboxMessage]:
    """The newest outbox messages, optionally for one recipient."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient.lower())
    return list(session.scalars(query))
