"""Use cases of the notification centre: the alerts page, acknowledging an alert, the daily idle waste
limit, and dismissing what a module posted.

The API's answers (`*_json`) are the same use cases in the API's JSON shape (telemetry.alerts.alert_json).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace import insights
from marketplace.models import INSIGHT_KINDS
from services import billing
from telemetry import alerts
from telemetry.alert_rules import IdleLimit

INSIGHTS_SHOWN = 50


@dataclass(frozen=True)
class AlertsPage:
    """What the alerts page shows: open alerts, those closed in the last days, the idle waste limit, what
    installed modules posted, and the open billing notices."""

    open_alerts: list[alerts.AlertView]
    recent: list[alerts.AlertView]
    idle_limit: IdleLimit
    module_insights: list[insights.InsightView]
    billing_notices: billing.Notices


def alerts_page(session: Session, now: datetime) -> AlertsPage:
    """The current company's alerts page."""
    return AlertsPage(alerts.list_alerts(session, "open"), alerts.recently_closed(session, now),
                      alerts.get_idle_limit(session),
                      insights.recent_insights(session, INSIGHT_KINDS, INSIGHTS_SHOWN), billing.open_notices(session))


def acknowledge(session: Session, alert_id: int, user_id: int | None, now: datetime) -> alerts.AlertView:
    """Acknowledge an alert (any member may; user_id None for an API key); acknowledging twice keeps the first."""
    view = alerts.acknowledge(session, alert_id, user_id, now)
    session.commit()
    return view


def idle_limit(session: Session) -> IdleLimit:
    """The company's daily idle waste limit per machine (off unless set)."""
    return alerts.get_idle_limit(session)


def set_idle_limit(session: Session, limit, unit: str) -> IdleLimit:
    """Save the daily idle waste limit per machine, in kWh or in the company currency (empty or 0: off);
    refused input changes nothing."""
    saved = alerts.set_idle_limit(session, limit, unit)
    session.commit()
    return saved


def dismiss_insight(session: Session, insight_id: int, now: datetime) -> None:
    """Hide a card, alert or report link a module posted (NotFound for other companies')."""
    insights.dismiss(session, insight_id, now)
    session.commit()


def alerts_json(session: Session, status: str) -> dict:
    """The company's open alerts (`open`) or every alert (`all`), newest first, in the API's shape."""
    return {"status": status, "alerts": [alerts.alert_json(v) for v in alerts.list_alerts(session, status)]}


def acknowledge_json(session: Session, alert_id: int, user_id: int | None, now: datetime) -> dict:
    """Acknowledge an alert through the API; the answer is the alert."""
    return alerts.alert_json(acknowledge(session, alert_id, user_id, now))
