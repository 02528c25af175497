"""Mails rendered from templates in the recipient's language and sent through the app's Mailer."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from tenants.languages import language_of
from web.database import db_session


def send_mail(to: str, template: str, locale: str | None = None, **context) -> None:
    """Render templates/mail/<template>.txt (first line is the subject) and send it."""
    with force_locale(language_of(locale)):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    current_app.extensions["mailer"].send(db_session(), to, subject.strip(), body.strip() + "\n")


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mails, on the configured BASE_URL."""
    from flask import url_for

    return current_app.config["SETTINGS"].base_url + url_for(endpoint, **values)
