"""Mails rendered from templates in the recipient's language and sent through the app's Mailer."""
from __future__ import annotations

from flask import current_app

from tenants.languages import language_of
from tenants.mail import render_mail
from web.database import db_session


def send_mail(to: str, template: str, locale: str | None = None, **context) -> None:
    """Render templates/mail/<template>.txt (first line is the subject) in the language and send it; the
    template sees only `context` (links too: see external_url)."""
    subject, body = render_mail(template, language_of(locale), **context)
    current_app.extensions["mailer"].send(db_session(), to, subject, body)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mails, on the configured BASE_URL."""
    from flask import url_for

    return current_app.config["SETTINGS"].base_url + url_for(endpoint, **values)
