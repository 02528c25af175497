"""The alert job: evaluate every tenant's alerts and mail the opted-in members (every minute)."""
from __future__ import annotations

from jobs.environment import once, process_mailer, process_settings
from telemetry import alerts
from telemetry.alert_mail import AlertNotifier
from tenants.clock import utcnow
from tenants.db import Database


@once
def process_notifier() -> AlertNotifier:
    """This process's alert notifier: its mailer, links on its BASE_URL."""
    return AlertNotifier(process_mailer(), process_settings().base_url)


def evaluate_alerts(db: Database) -> int:
    """Open and close alerts in every tenant and mail what opened or closed; returns alerts changed."""
    summary = alerts.evaluate_all(db, utcnow(), process_notifier())
    return summary.opened + summary.closed
