"""Application settings, read once from environment variables."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """Return the secret kept in the instance folder, creating it on first use."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive(value: str | None, default: float) -> float:
    if value is None or value.strip() == "":
        return default
    number = float(value)
    if not number > 0:
        raise ValueError(f"expected a positive number of seconds, not {value!r}")
    return number


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: str
    secret_key: str
    base_url: str
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Digital Factory <no-reply@localhost>"
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_publishable_key: str | None = None
    secure_cookies: bool = False
    allow_private_webhooks: bool = False
    log_level: str = "INFO"
    ingest_device_limit: str | None = None
    ingest_tenant_limit: str | None = None
    ingest_credential_cache_s: float | None = None
    ingest_group_commit: bool = False
    """Whether a worker's concurrent device posts share transactions (telemetry.group_commit): off by
    default, since on the measured 2-core machine it gained nothing over PostgreSQL's own WAL group
    commit (bench/RESULTS.md); worth trying where commits are slow (remote or replicated storage)."""
    auth_failure_limit: str | None = None
    """Failed credential attempts allowed per client address (`limits` notation, e.g. 60/minute)."""
    database_timeout_s: float = 30.0
    """How long a SQLite connection waits for another writer's lock before the request fails (503)."""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, instance_path: Path, env: dict | None = None) -> Settings:
        """Build settings from environment variables (or the given mapping)."""
        env = dict(os.environ if env is None else env)
        sqlite_path = instance_path / "digital_factory.sqlite"
        base_url = env.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{sqlite_path}",
            secret_key=env.get("SECRET_KEY") or _instance_secret(instance_path),
            base_url=base_url,
            redis_url=env.get("REDIS_URL") or None,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=int(env.get("SMTP_PORT") or 587),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=_flag(env.get("SMTP_STARTTLS"), True),
            mail_from=env.get("MAIL_FROM") or "Digital Factory <no-reply@localhost>",
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
            secure_cookies=_flag(env.get("SECURE_COOKIES"), base_url.startswith("https://")),
            allow_private_webhooks=_flag(env.get("ALLOW_PRIVATE_WEBHOOKS")),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            ingest_device_limit=env.get("INGEST_DEVICE_LIMIT") or None,
            ingest_tenant_limit=env.get("INGEST_TENANT_LIMIT") or None,
            ingest_credential_cache_s=float(env["INGEST_CREDENTIAL_CACHE_SECONDS"])
            if env.get("INGEST_CREDENTIAL_CACHE_SECONDS") else None,
            auth_failure_limit=env.get("AUTH_FAILURE_LIMIT") or None,
            ingest_group_commit=_flag(env.get("INGEST_GROUP_COMMIT")),
            database_timeout_s=_positive(env.get("DATABASE_TIMEOUT_S"), 30.0),
        )
