"""Insights: cards, alerts and report links a module posts to the tenant's overview and
notification centre, always shown with the module's name."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.models import INSIGHT_KINDS, INSIGHT_SEVERITIES, Insight, Installation, Module
from tenants.clock import utcnow
from tenants.errors import N_, DomainError, NotFound

MAX_TITLE, MAX_BODY = 120, 2000


@dataclass(frozen=True)
class InsightView:
    """An insight with the name of the module that posted it."""

    insight: Insight
    module_name: str


def post_insight(session: Session, installation: Installation, data: dict, now: datetime | None = None) -> Insight:
    """Store an insight of the installation's module after checking every field."""
    kind = data.get("kind", "card")
    if kind not in INSIGHT_KINDS:
        raise DomainError(N_("kind must be one of: %(kinds)s."), kinds=", ".join(INSIGHT_KINDS))
    severity = data.get("severity", "info")
    if severity not in INSIGHT_SEVERITIES:
        raise DomainError(N_("severity must be one of: %(names)s."), names=", ".join(INSIGHT_SEVERITIES))
    device_id = data.get("device_id")
    if device_id is not None and (isinstance(device_id, bool) or device_id not in installation.device_ids):
        raise NotFound(N_("No such device in this installation."))
    insight = Insight(installation_id=installation.id, module_id=installation.module_id, kind=kind, severity=severity,
                      title=_text(data.get("title"), "title", MAX_TITLE, required=True),
                      body=_text(data.get("body", ""), "body", MAX_BODY, required=False),
                      url=_link(data.get("url")), device_id=device_id, created_at=now or utcnow())
    if kind == "report" and insight.url is None:
        raise DomainError(N_("A report needs its url."))
    session.add(insight)
    session.flush()
    return insight


def recent_insights(session: Session, kinds: tuple[str, ...] = INSIGHT_KINDS, limit: int = 50) -> list[InsightView]:
    """The current tenant's insights not dismissed, newest first, with their modules' names."""
    rows = session.execute(select(Insight, Module.live_manifest).join(Module, Module.id == Insight.module_id)
                           .where(Insight.kind.in_(kinds), Insight.dismissed_at.is_(None))
                           .order_by(Insight.created_at.desc(), Insight.id.desc()).limit(limit))
    return [InsightView(insight, (manifest or {}).get("name", "")) for insight, manifest in rows]


def dismiss(session: Session, insight_id: int, now: datetime | None = None) -> Insight:
    """Hide an insight of the current tenant."""
    insight = session.scalar(select(Insight).where(Insight.id == insight_id))
    if insight is None:
        raise NotFound()
    insight.dismissed_at = insight.dismissed_at or now or utcnow()
    return insight


def insight_json(insight: Insight) -> dict:
    """An insight as the partner API answers it."""
    return {"id": insight.id, "kind": insight.kind, "severity": insight.severity, "title": insight.title,
            "body": insight.body, "url": insight.url, "device_id": insight.device_id,
            "created_at": insight.created_at.isoformat().replace("+00:00", "Z")}


def _text(value: object, field: str, max_len: int, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or (required and not text) or len(text) > max_len:
        raise DomainError(N_("%(field)s must be text of at most %(n)s characters."), field=field, n=max_len)
    return text


def _link(value: object) -> str | None:
    if value in (None, ""):
        return None
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:
        parts = None
    if (parts is None or not isinstance(value, str)  # (parts is None for anything but text)
            or parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 500):
        raise DomainError(N_("url must be an http(s) address."))
    return value
