"""The alert job: evaluate every tenant's alerts and mail the opted-in members (every minute)."""
from __future__ import annotations

import os
from pathlib import Path

from config import Settings
from telemetry import alerts
from telemetry.alert_mail import AlertNotifier
from tenants.db import Database, utcnow
from tenants.mail import Mailer, SmtpSettings

ROOT = Path(__file__).resolve().parents[1]


def notifier_from_env() -> AlertNotifier:
    """An alert notifier with the mail settings and BASE_URL of the environment (as the web app reads them)."""
    settings = Settings.from_env(Path(os.environ.get("INSTANCE_PATH") or ROOT / "instance"))
    smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
                        settings.smtp_starttls) if settings.smtp_host else None
    return AlertNotifier(Mailer(smtp, settings.mail_from), settings.base_url)


def evaluate_alerts(db: Database) -> int:
    """Open and close alerts in every tenant and mail what opened or closed; returns alerts changed."""
    summary = alerts.evaluate_all(db, utcnow(), notifier_from_env())
    return summary.opened + summary.closed
