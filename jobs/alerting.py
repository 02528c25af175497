"""The alert job: evaluate every tenant's alerts and mail the opted-in members (every minute)."""
from __future__ import annotations

from jobs.environment import mailer_from, settings_from_env
from telemetry import alerts
from telemetry.alert_mail import AlertNotifier
from tenants.clock import utcnow
from tenants.db import Database


def notifier_from_env() -> AlertNotifier:
    """An alert notifier with the mail settings and BASE_URL of the environment (as the web app reads them)."""
    settings = settings_from_env()
    return AlertNotifier(mailer_from(settings), settings.base_url)


def evaluate_alerts(db: Database) -> int:
    """Open and close alerts in every tenant and mail what opened or closed; returns alerts changed."""
    summary = alerts.evaluate_all(db, utcnow(), notifier_from_env())
    return summary.opened + summary.closed
