"""Digital Factory: the application factory, and `app` for gunicorn (built on first access)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import Settings

ROOT = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides environment variables (DATABASE_URL, ...) and Flask settings."""
    from blueprints import register_blueprints
    from tenants.mail import Mailer, SmtpSettings
    from web.auth import init_auth
    from web.cli import register_cli
    from web.database import init_database
    from web.errors import init_errors
    from web.extensions import csrf, limiter
    from web.i18n import init_i18n
    from web.logs import configure_logging
    from web.markdown import init_markdown
    from web.navigation import init_navigation
    from web.security import content_security_policy, init_security

    config = dict(config or {})
    app = Flask(__name__, instance_path=config.pop("INSTANCE_PATH", None) or str(ROOT / "instance"))
    settings = Settings.from_env(Path(app.instance_path), env={**os.environ, **{k: str(v) for k, v in config.items()}})
    app.config.update(SECRET_KEY=settings.secret_key, SETTINGS=settings, WTF_CSRF_TIME_LIMIT=None)
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    configure_logging(app, settings.log_level)
    init_security(app, settings.secure_cookies,
                  content_security_policy(settings.stripe_api_base, bool(settings.stripe_secret_key)))
    init_database(app, settings.database_url)
    smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                        settings.smtp_starttls) if settings.smtp_host else None
    app.extensions["mailer"] = Mailer(smtp, settings.mail_from)
    csrf.init_app(app)
    limiter.init_app(app)
    init_auth(app)
    init_i18n(app, str(ROOT))
    init_errors(app)
    init_navigation(app)
    init_markdown(app)
    register_blueprints(app)
    register_cli(app)
    return app


def __getattr__(name: str):
    # gunicorn reads `app:app`; building it lazily keeps importing this module free of work.
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(name)
