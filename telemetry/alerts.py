"""Alerts on machines: offline, running outside shifts, idle waste above a daily limit, power above rated.

The rules (telemetry.alert_rules) say which alerts should be open now; `evaluate_tenant` opens the
missing ones and closes the rest. A partial unique index keeps at most one open alert per device and
kind, and opening is an insert that does nothing on conflict, so two evaluations at once never open
the same alert twice. Mails go out through telemetry.alert_mail (a notifier passed in). No Flask.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import JSON, Float, ForeignKey, ForeignKeyConstraint, Index, String, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from telemetry import alert_rules
from telemetry.models import Device
from tenants.clock import utcnow
from tenants.db import Base, BigId, Database, TenantOwned, upsert_insert
from tenants.errors import N_, DomainError, NotFound
from tenants.models import Tenant
from tenants.scoping import require_tenant_id
from tenants.unit_of_work import TenantUnit, for_each_tenant

log = logging.getLogger(__name__)

KINDS = ("offline", "outside_shift", "idle_waste", "over_rated")
LABELS = {"offline": N_("Offline"), "outside_shift": N_("Running outside shifts"),
          "idle_waste": N_("Idle waste above the daily limit"), "over_rated": N_("Power above rated")}
OPENED = {
    "offline": N_("%(device)s is offline: no reading for %(minutes)s minutes."),
    "outside_shift": N_("%(device)s is running outside the shift calendar."),
    "idle_waste": N_("%(device)s wasted %(amount)s idling today, above the limit of %(limit)s."),
    "over_rated": N_("%(device)s draws %(power)s W, above its rated %(rated)s W."),
}
CLOSED = {
    "offline": N_("%(device)s is back online."),
    "outside_shift": N_("%(device)s no longer runs outside the shift calendar."),
    "idle_waste": N_("The idle waste alert of %(device)s ended with the day."),
    "over_rated": N_("%(device)s is back within its rated power."),
}
STATUSES = ("open", "all")
IDLE_UNITS = ("kwh", "money")
RECENT_DAYS = 7
MAX_LIST = 200


class Alert(TenantOwned, Base):
    """One alert of a device: open while closed_at is empty; at most one open per device and kind."""

    __tablename__ = "alerts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"], ondelete="CASCADE"),
        Index("ix_alerts_tenant_opened", "tenant_id", "opened_at"),
        Index("uq_alerts_open", "tenant_id", "device_id", "kind", unique=True,
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(nullable=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                              nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    open_mailed_at: Mapped[datetime | None] = mapped_column(nullable=True)  # claimed by the notifier
    close_mailed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AlertSettings(TenantOwned, Base):
    """The company's alert settings (one row per company): the daily idle waste limit per machine."""

    __tablename__ = "alert_settings"
    __table_args__ = (Index("uq_alert_settings_tenant", "tenant_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idle_limit: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: off
    idle_unit: Mapped[str] = mapped_column(String(5), default="kwh")  # kwh | money (the company currency)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True, default=utcnow)


@dataclass(frozen=True)
class AlertView:
    """An alert with the name of its device."""

    alert: Alert
    device_name: str


@dataclass
class Changes:
    """Ids of the alerts one evaluation opened and closed."""

    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


@dataclass
class Summary:
    """What a run over every tenant did."""

    opened: int = 0
    closed: int = 0
    mailed: int = 0
    failed_tenants: list[int] = field(default_factory=list)


class Notifier(Protocol):
    """Sends the mails of a tenant's newly opened and closed alerts (telemetry.alert_mail.AlertNotifier)."""

    def notify(self, unit: TenantUnit, now: datetime) -> int:
        """Mail what is due for the tenant; returns how many mails were sent."""


# --- settings ----------------------------------------------------------------------------------------

def get_idle_limit(session: Session) -> alert_rules.IdleLimit:
    """The company's daily idle waste limit (off unless set)."""
    row = session.scalar(select(AlertSettings))
    return alert_rules.IdleLimit(row.idle_limit, row.idle_unit) if row else alert_rules.IdleLimit(None)


def _limit_value(limit) -> float | None:
    if isinstance(limit, str):
        limit = limit.strip().replace(",", ".")
        if not limit:
            return None
        try:
            limit = float(limit)
        except ValueError:
            raise DomainError(N_("The idle waste limit must be a number, or empty to turn the alert off.")) from None
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 <= limit <= 1e9:
        raise DomainError(N_("The idle waste limit must be a number from 0 to 1000000000 (0 turns it off)."))
    return float(limit) or None


def set_idle_limit(session: Session, limit, unit: str = "kwh") -> alert_rules.IdleLimit:
    """Save the daily idle waste limit per machine, in kWh or in the company currency; empty or 0 is off."""
    if unit not in IDLE_UNITS:
        raise DomainError(N_("The unit must be one of: %(units)s."), units=", ".join(IDLE_UNITS))
    row = session.scalar(select(AlertSettings)) or AlertSettings()
    row.idle_limit, row.idle_unit, row.updated_at = _limit_value(limit), unit, utcnow()
    session.add(row)
    return alert_rules.IdleLimit(row.idle_limit, row.idle_unit)


# --- reading and acknowledging -----------------------------------------------------------------------

def _views(session: Session, query) -> list[AlertView]:
    rows = session.execute(query.add_columns(Device.name).join(Device, Device.id == Alert.device_id))
    return [AlertView(alert, name) for alert, name in rows]


def list_alerts(session: Session, status: str = "open", limit: int = MAX_LIST) -> list[AlertView]:
    """The company's open alerts (`open`) or every alert (`all`), newest first."""
    if status not in STATUSES:
        raise DomainError(N_("status must be one of: %(statuses)s."), statuses=", ".join(STATUSES))
    query = select(Alert).order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(max(1, min(limit, MAX_LIST)))
    return _views(session, query.where(Alert.closed_at.is_(None)) if status == "open" else query)


def recently_closed(session: Session, now: datetime | None = None, days: int = RECENT_DAYS,
                    limit: int = 50) -> list[AlertView]:
    """Alerts closed in the last days, newest first."""
    since = (now or utcnow()) - timedelta(days=days)
    return _views(session, select(Alert).where(Alert.closed_at >= since)
                  .order_by(Alert.closed_at.desc(), Alert.id.desc()).limit(limit))


def views_by_id(session: Session, ids) -> list[AlertView]:
    """The alerts with these ids, in id order."""
    return _views(session, select(Alert).where(Alert.id.in_(list(ids))).order_by(Alert.id)) if ids else []


def open_unacknowledged_count(session: Session) -> int:
    """How many open alerts nobody has acknowledged yet (the bell's number)."""
    return session.scalar(select(func.count()).select_from(Alert).where(
        Alert.closed_at.is_(None), Alert.acknowledged_at.is_(None))) or 0


def acknowledge(session: Session, alert_id: int, user_id: int | None, now: datetime | None = None) -> AlertView:
    """Mark an alert as seen (any member may); acknowledging twice keeps the first."""
    found = views_by_id(session, [alert_id])
    if not found:
        raise NotFound()
    alert = found[0].alert
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_id = now or utcnow(), user_id
    return found[0]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def alert_json(view: AlertView) -> dict:
    """An alert in the API's JSON shape."""
    alert = view.alert
    return {"id": alert.id, "device": {"id": alert.device_id, "name": view.device_name}, "kind": alert.kind,
            "status": "open" if alert.closed_at is None else "closed", "opened_at": _iso(alert.opened_at),
            "closed_at": _iso(alert.closed_at), "acknowledged_at": _iso(alert.acknowledged_at),
            "acknowledged_by": alert.acknowledged_by_id, "details": alert.details or {}}


def _amount(value, unit: str, currency: str) -> str:
    number = float(value or 0)
    return f"{number:.2f} kWh" if unit == "kwh" else f"{number:.2f} {currency}"


def message_of(view: AlertView, closed: bool = False) -> tuple[str, dict]:
    """The alert's sentence as an English msgid and its parameters (translate with gettext(msgid, **params))."""
    details, kind = view.alert.details or {}, view.alert.kind
    unit, currency = details.get("unit", "kwh"), details.get("currency", "")
    waste = details.get("idle_waste_wh", 0) / 1000 if unit == "kwh" else details.get("idle_waste_cost", 0)
    params = {"device": view.device_name, "minutes": max(1, int(details.get("silent_s", 60)) // 60),
              "power": round(float(details.get("power_w") or 0)), "rated": round(float(details.get("rated_w") or 0)),
              "amount": _amount(waste, unit, currency), "limit": _amount(details.get("limit"), unit, currency)}
    return (CLOSED if closed else OPENED)[kind], params


# --- evaluation --------------------------------------------------------------------------------------

def _close(session: Session, ids: list[int], now: datetime) -> list[int]:
    if not ids:
        return []
    statement = (update(Alert).where(Alert.id.in_(ids), Alert.closed_at.is_(None)).values(closed_at=now)
                 .returning(Alert.id).execution_options(synchronize_session=False))
    return sorted(session.scalars(statement))


def _open(session: Session, wanted: dict[tuple[int, str], dict], now: datetime) -> list[int]:
    tenant_id = require_tenant_id()
    opened: list[int] = []
    for (device_id, kind), details in sorted(wanted.items()):
        statement = (upsert_insert(session, Alert.__table__).values(tenant_id=tenant_id, device_id=device_id, kind=kind,
                                                    opened_at=now, details=details)
                     .on_conflict_do_nothing().returning(Alert.__table__.c.id))
        opened.extend(session.scalars(statement))  # nothing when that alert is already open
    return opened


def evaluate_tenant(session: Session, tenant: Tenant, now: datetime | None = None) -> Changes:
    """Open the alerts the rules want and close the open ones they no longer want (current tenant)."""
    now = now or utcnow()
    wanted = alert_rules.wanted_alerts(session, tenant, get_idle_limit(session), now)
    current = {(a.device_id, a.kind): a for a in session.scalars(select(Alert).where(Alert.closed_at.is_(None)))}
    ended = [alert.id for key, alert in current.items()
             if key not in wanted or not alert_rules.same_episode(alert.details or {}, wanted[key])]
    closed = _close(session, ended, now)
    missing = {key: details for key, details in wanted.items() if key not in current or current[key].id in ended}
    return Changes(_open(session, missing, now), closed)


def evaluate_all(db: Database, now: datetime | None = None, notifier: Notifier | None = None) -> Summary:
    """Evaluate every tenant's alerts (each in its own tenant context and transaction), then mail what is due.
    Safe to run twice or concurrently; one tenant's failure does not stop the others."""
    now, summary = now or utcnow(), Summary()

    def evaluate(unit: TenantUnit) -> int:
        with unit.session() as session:
            changes = evaluate_tenant(session, session.get_one(Tenant, unit.tenant_id), now)
        summary.opened += len(changes.opened)
        summary.closed += len(changes.closed)
        if notifier is not None:
            summary.mailed += notifier.notify(unit, now)
        return 0

    summary.failed_tenants = for_each_tenant(db, evaluate, what="evaluate_alerts").failed
    return summary
