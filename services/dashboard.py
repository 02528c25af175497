"""Use cases of the dashboard: what the company's landing page shows once signed in."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marketplace import insights
from telemetry import registry
from tenants import apikeys, team

DASHBOARD_INSIGHTS = 5  # newest cards and report links of installed modules


@dataclass(frozen=True)
class Dashboard:
    """The getting-started steps done (a team beyond one member or invited, an API key), whether the company
    has active machines, and the newest cards and report links its installed modules posted."""

    team: bool
    api_key: bool
    has_machines: bool
    module_insights: list[insights.InsightView]


def dashboard(session: Session) -> Dashboard:
    """The current company's dashboard."""
    return Dashboard(
        team=len(team.members(session)) > 1 or bool(team.pending_invitations(session)),
        api_key=bool(apikeys.list_keys(session)),
        has_machines=registry.list_devices(session, "active", per_page=1).total > 0,
        module_insights=insights.recent_insights(session, ("card", "report"), DASHBOARD_INSIGHTS))
