"""Finished local days of a device, kept so that daily, weekly and monthly figures need not add up
96 quarters a day on every read.

A stored day is derived data, like a cache with exact invalidation:
  * it holds the figures `aggregate` gives for that day, priced and planned with the zone, tariff
    and shift calendar named by its `basis`; a read with another basis (the tenant changed any of
    them) recomputes the day and replaces the row, so no hook on those settings is needed;
  * settling (telemetry.settling) deletes every stored day overlapping the quarters it rewrites, so
    late readings, threshold changes and recomputed history show at once;
  * only days that can no longer change with time are stored: ended more than the device's max gap
    ago. Today (and a day whose last reading may still be held) is always added up from quarters.
On PostgreSQL a read that stores days holds a key-share lock on the device row, which settling locks
FOR UPDATE: a settle that runs meanwhile waits and then deletes what the read stored.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Float, cast, extract, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from telemetry.analytics import Bucket, ShiftCalendar, Tariff, aggregate
from telemetry.analytics.zones import boundaries
from telemetry.models import Device
from telemetry.rollups import DAY_FIGURES, DayRollup, stored_quarters
from tenants.scoping import require_tenant_id


def basis_of(zone: ZoneInfo, tariff: Tariff, shifts: ShiftCalendar) -> str:
    """A short fingerprint of what a day's figures depend on besides the readings."""
    bands = [(sorted(b.weekdays) if b.weekdays is not None else None, b.start_hour, b.end_hour, repr(b.price))
             for b in tariff.bands]
    plan = [(s.weekday, s.start, s.end) for s in shifts.shifts]
    text = repr((zone.key, repr(tariff.price_per_kwh), bands, plan))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def day_buckets(session: Session, device: Device, zone: ZoneInfo, tariff: Tariff, shifts: ShiftCalendar,
                lo: float, hi: float, now: datetime) -> list[Bucket]:
    """The device's figures per local day from `lo` to `hi` (epoch seconds on day boundaries):
    stored days where they are valid, the rest added up from quarters and stored when finished.
    The device's rollups must be settled (no dirty window) before this is called."""
    cuts = boundaries("day", zone, lo, hi)
    days = list(zip(cuts, cuts[1:]))
    basis = basis_of(zone, tariff, shifts)
    found = _stored(session, device.id, basis, cuts[0], cuts[-1], zone)
    missing = [(a, b) for a, b in days if a not in found]
    if missing:
        computed = _computed(session, device, zone, tariff, shifts, missing[0][0], missing[-1][1])
        finished = [computed[a] for a, b in missing if b + device.max_gap_s <= now.timestamp()]
        if finished:
            _store(session, device, basis, finished)
        found.update((a, computed[a]) for a, _ in missing)
    return [found[a] for a, _ in days]


def _stored(session: Session, device_id: int, basis: str, lo: float, hi: float, zone: ZoneInfo) -> dict:
    start, end = (datetime.fromtimestamp(t, zone) for t in (lo, hi))
    rows = session.execute(select(
        cast(extract("epoch", DayRollup.day_start), Float), cast(extract("epoch", DayRollup.day_end), Float),
        *(getattr(DayRollup, name) for name in DAY_FIGURES)).where(
        DayRollup.device_id == device_id, DayRollup.basis == basis, DayRollup.day_start >= start,
        DayRollup.day_start < end))
    return {a: Bucket(datetime.fromtimestamp(a, zone), datetime.fromtimestamp(b, zone), b - a,
                      **dict(zip(DAY_FIGURES, figures))) for a, b, *figures in rows}


def _computed(session: Session, device: Device, zone: ZoneInfo, tariff: Tariff, shifts: ShiftCalendar,
              lo: float, hi: float) -> dict[float, Bucket]:
    if session.get_bind().dialect.name == "postgresql":
        # settling locks the row FOR UPDATE, so it cannot rewrite these quarters until we commit;
        # KEY SHARE does not block ingest's updates of the device's live state
        session.execute(select(Device.id).where(Device.id == device.id).with_for_update(read=True, key_share=True))
    start, end = (datetime.fromtimestamp(t, zone) for t in (lo, hi))
    quarters = stored_quarters(session, device.id, start, end)
    return {b.start.timestamp(): b for b in aggregate(quarters, "day", zone, tariff, shifts, lo, hi)}


def _store(session: Session, device: Device, basis: str, days: list[Bucket]) -> None:
    tenant_id = require_tenant_id()
    rows = [{"tenant_id": tenant_id, "device_id": device.id, "day_start": day.start, "day_end": day.end,
             "basis": basis, **{name: getattr(day, name) for name in DAY_FIGURES}} for day in days]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DayRollup)
    changed = {name: statement.excluded[name] for name in ("day_end", "basis", *DAY_FIGURES)}
    session.execute(statement.on_conflict_do_update(index_elements=["tenant_id", "device_id", "day_start"],
                                                    set_=changed), rows)
