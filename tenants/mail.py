"""Outgoing mail: who gets it, its text from templates/mail in the recipient's language, and sending it
(SMTP when configured, otherwise the log and the outbox table).

Templates are rendered with a plain Jinja2 environment and the Babel catalogues (no Flask, no request), for
the jobs and the web pages alike: they get everything they show, links too, as context."""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from functools import cache
from pathlib import Path

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import ColumnElement, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId
from tenants.languages import language_of
from tenants.models import Membership, User

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Recipient:
    """Someone to mail, in their language."""

    email: str
    locale: str


def recipients(session: Session, tenant_id: int, *where: ColumnElement[bool]) -> list[Recipient]:
    """The tenant's verified members whose membership meets the conditions (such as
    `Membership.alert_mails.is_(True)`), by email, each in their language."""
    rows = session.execute(select(User.email, User.locale).join(Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == tenant_id, *where, User.verified_at.is_not(None)).order_by(User.email))
    return [Recipient(email, language_of(locale)) for email, locale in rows]


@cache
def _environment(locale: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(str(ROOT / "templates" / "mail")), autoescape=False,
                              extensions=["jinja2.ext.i18n"], undefined=StrictUndefined)
    translations = Translations.load(str(ROOT / "translations"), [locale], "messages")
    # the i18n extension adds this method at run time; jinja2's Environment type does not declare it
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


def render_mail(template: str, locale: str, **context) -> tuple[str, str]:
    """Render templates/mail/<template>.txt in a supported language: (subject = first line, body)."""
    text = _environment(locale).get_template(f"{template}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


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
