"""Device events for modules: state changes and going offline (compared with what each installation
was last told), and one summary per device per local day once the day is over and settled.
Event ids are derived from what they report, so a re-run never queues an event twice."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import webhooks
from marketplace.installations import granted_scopes
from marketplace.models import Installation, Module
from telemetry import overview, plant, series
from telemetry.models import Device
from telemetry.settling import settle_devices
from tenants.clock import day_bounds, local_date
from tenants.models import Tenant
from tenants.scoping import require_tenant_id

STATE_EVENTS = ("device.state_changed", "device.offline")
SUMMARY_EVENT = "device.daily_summary"
MAX_SUMMARY_BACKLOG_DAYS = 7


def tenants_with_installations(session: Session) -> list[int]:
    """Ids of tenants with at least one active installation."""
    return list(session.scalars(select(Installation.tenant_id).where(Installation.status == "active")
                                .distinct().order_by(Installation.tenant_id)))


def emit_device_events(session: Session, now: datetime) -> int:
    """Queue the current tenant's due device events for every installation that wants them; returns how many."""
    tenant = session.get_one(Tenant, require_tenant_id())
    rows = session.execute(select(Installation, Module).join(Module, Module.id == Installation.module_id).where(
        Installation.tenant_id == tenant.id, Installation.status == "active", Module.status == "published"))
    queued = 0
    for installation, module in rows:
        events = _allowed_events(installation, module)
        devices = list(session.scalars(select(Device).where(Device.id.in_(installation.device_ids),
                                                            Device.status == "active").order_by(Device.id)))
        if events & set(STATE_EVENTS):
            queued += _state_events(session, installation, module, devices, now)
        if SUMMARY_EVENT in events:
            queued += _daily_summaries(session, tenant, installation, module, devices, now)
    return queued


def _allowed_events(installation: Installation, module: Module) -> set[str]:
    """Events consented to, still asked for, and covered by a granted scope (what the event reveals)."""
    scopes = granted_scopes(installation, module)
    wanted = set(installation.events) & set((module.live_manifest or {}).get("events", []))
    return {e for e in wanted if (e == SUMMARY_EVENT and "readings:read" in scopes)
            or (e in STATE_EVENTS and "devices:read" in scopes)}


def _state_events(session: Session, installation: Installation, module: Module, devices: list[Device],
                  now: datetime) -> int:
    told, queued = dict(installation.notified_states or {}), 0
    for device in devices:
        state, since, _online = overview.live_state(device, now)
        previous = told.get(str(device.id))
        told[str(device.id)] = state
        if previous is None or previous == state or state == "unknown":
            continue  # the first look only notes the state
        since_text = since.isoformat().replace("+00:00", "Z") if since else None
        ref = {"id": device.id, "name": device.name}
        changed = {"device": ref, "state": state, "previous_state": previous, "since": since_text}
        queued += _queued(webhooks.enqueue(session, installation, module, "device.state_changed", changed,
                                           webhooks.event_key("state", installation.id, device.id, state, since_text),
                                           now))
        if state == "offline":
            offline = {"device": ref, "last_seen_at": since_text}
            queued += _queued(webhooks.enqueue(session, installation, module, "device.offline", offline,
                                               webhooks.event_key("offline", installation.id, device.id, since_text),
                                               now))
    installation.notified_states = told  # a new dict: JSON columns notice assignment, not mutation
    return queued


def _daily_summaries(session: Session, tenant: Tenant, installation: Installation, module: Module,
                     devices: list[Device], now: datetime) -> int:
    zone = ZoneInfo(tenant.timezone)
    today = local_date(now, zone)
    first = (installation.summarised_through + timedelta(days=1) if installation.summarised_through
             else local_date(installation.created_at, zone))
    first = max(first, today - timedelta(days=MAX_SUMMARY_BACKLOG_DAYS))
    tariff, shifts, queued = plant.get_tariff(session), plant.get_shifts(session), 0
    day = first
    if day < today and _settled(day, zone, devices, now):
        settle_devices(session, devices, now)  # the figures come from rollups: late readings first
    while day < today and _settled(day, zone, devices, now):
        start, end = day_bounds(day, zone)
        for device in devices:
            bucket = series.device_buckets(session, tenant, device, series.Period(start, end), "day", now,
                                           tariff=tariff, shifts=shifts)[0]
            data = {"device": {"id": device.id, "name": device.name}, "date": day.isoformat(),
                    "timezone": tenant.timezone, "currency": tenant.currency, "figures": series.bucket_json(bucket)}
            queued += _queued(webhooks.enqueue(session, installation, module, SUMMARY_EVENT, data,
                                               webhooks.event_key("summary", installation.id, device.id, day), now))
        installation.summarised_through = day
        day += timedelta(days=1)
    return queued


def _settled(day: date, zone: ZoneInfo, devices: list[Device], now: datetime) -> bool:
    # a day's figures are final once a reading that late could no longer fill its last gap
    _start, end = day_bounds(day, zone)
    longest_gap = max((d.max_gap_s for d in devices), default=0)
    return end + timedelta(seconds=longest_gap) <= now


def _queued(delivery) -> int:
    return 0 if delivery is None else 1
