"""Language choice: the user's setting, then the session's, then the browser's Accept-Language."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import format_date, format_datetime, format_decimal, format_timedelta, get_locale
from flask_login import current_user

from tenants.languages import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from web.extensions import babel
from web.formatting import money


def select_locale() -> str:
    """The language of this request."""
    if current_user and current_user.is_authenticated and normalise_language(current_user.locale):
        return normalise_language(current_user.locale)
    if normalise_language(session.get("lang")):
        return normalise_language(session["lang"])
    for tag, _quality in request.accept_languages:
        if normalise_language(tag):
            return normalise_language(tag)
    return DEFAULT_LANGUAGE


def select_timezone() -> str:
    """Dates and times are shown in the current company's zone (UTC before one is chosen)."""
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "UTC"


def init_i18n(app: Flask, root_path: str) -> None:
    """Bind Flask-Babel with our selector and catalogues."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", f"{root_path}/translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale, format_date=format_date,
                                 format_datetime=format_datetime, format_decimal=format_decimal,
                                 format_timedelta=format_timedelta, money=money)
