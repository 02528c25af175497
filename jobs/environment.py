"""The scheduler's view of the app's settings: read from the environment as the web app reads them, once
per process (jobs take what they need from here on every run, not from the environment)."""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from config import Settings
from tenants.mail import Mailer, SmtpSettings

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def settings_from_env() -> Settings:
    """The settings of the environment (with the instance folder's generated secret, as the web app)."""
    return Settings.from_env(Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance"))


def mailer_from(settings: Settings) -> Mailer:
    """A mailer with the settings' SMTP server, or the outbox when there is none."""
    smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                        settings.smtp_starttls) if settings.smtp_host else None
    return Mailer(smtp, settings.mail_from)


_BUILT_ONCE: list = []


def once(build: Callable[[], T]) -> Callable[[], T]:
    """`build` run once per process, its value kept (settings, the mailer, a provider); `forget` drops them."""
    kept = cache(build)
    _BUILT_ONCE.append(kept)
    return kept


def forget() -> None:
    """Drop every value built once, so the next job run reads the environment again (tests change it)."""
    for kept in _BUILT_ONCE:
        kept.cache_clear()


@once
def process_settings() -> Settings:
    """This process's settings, read from the environment once."""
    return settings_from_env()


@once
def process_mailer() -> Mailer:
    """This process's mailer, built once from its settings."""
    return mailer_from(process_settings())
