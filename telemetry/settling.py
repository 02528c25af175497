"""Settling: recompute the quarter rollups that new or late readings touched.

Devices settle together: the dirty windows, the locks, the deletes and the inserts are one
statement each for up to CHUNK devices, and each device costs four short index reads of its own
(its neighbours, the bounds of its window, its readings). Settling was ten round trips per device before,
which made an overview of 50 machines that had all posted since the last settle take half a
second, and capped the scheduler at about a hundred devices a second.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from telemetry.analytics import Bucket, DeviceSettings, affected_window, compute_quarter_buckets
from telemetry.models import Device, Reading
from telemetry.rollups import DayRollup, DirtyWindow, Rollup, mark_dirty
from tenants.clock import utcnow

CHUNK = 200  # devices whose windows are deleted and written by one statement each


def settle_devices(session: Session, devices: list[Device], now: datetime | None = None) -> int:
    """Recompute the dirty quarter buckets of these devices of the current tenant (devices without
    readings waiting cost nothing more); returns how many buckets were written. The caller commits."""
    now = now or utcnow()
    written = 0
    for i in range(0, len(devices), CHUNK):
        written += _settle_chunk(session, {d.id: d for d in devices[i:i + CHUNK]}, now)
    return written


def _settle_chunk(session: Session, devices: dict[int, Device], now: datetime) -> int:
    dirty = sorted(set(session.scalars(select(DirtyWindow.device_id).where(DirtyWindow.device_id.in_(devices)))))
    if not dirty:
        return 0
    if session.get_bind().dialect.name == "postgresql":  # one settle per device at a time; ordered: no deadlocks
        session.execute(select(Device.id).where(Device.id.in_(dirty)).order_by(Device.id).with_for_update())
    windows = session.execute(select(DirtyWindow.id, DirtyWindow.device_id, DirtyWindow.first_ts, DirtyWindow.last_ts)
                              .where(DirtyWindow.device_id.in_(dirty))).all()
    spans: dict[int, tuple[datetime, datetime]] = {}
    for _id, device_id, first, last in windows:
        known = spans.get(device_id)
        spans[device_id] = (min(first, known[0]), max(last, known[1])) if known else (first, last)
    affected, live_edges, rows = {}, {}, []
    for device_id, (first, last) in spans.items():
        device = devices[device_id]
        prev_ts, next_ts = _neighbours(session, device_id, first, last)
        start_ts, end_ts = affected_window(first.timestamp(), last.timestamp(), prev_ts and prev_ts.timestamp(),
                                           next_ts and next_ts.timestamp(), device.max_gap_s)
        start, end = affected[device_id] = tuple(datetime.fromtimestamp(t, timezone.utc) for t in (start_ts, end_ts))
        settings = DeviceSettings(device.off_below_w, device.run_above_w, device.max_gap_s)
        quarters = compute_quarter_buckets(_points(session, device_id, start, end), settings, start, end, now)
        rows += [_row(device, q) for q in quarters if q.samples or q.energy_wh or q.covered_s]
        if next_ts is None and last.timestamp() + device.max_gap_s > now.timestamp():
            live_edges[device_id] = (last, last)  # the live edge still grows with `now`: settle it again later
    _replace(session, affected, rows)
    session.execute(delete(DirtyWindow).where(DirtyWindow.id.in_([w.id for w in windows])))
    mark_dirty(session, live_edges)
    return len(rows)


def _neighbours(session: Session, device_id: int, first: datetime, last: datetime) -> tuple:
    """The latest stored reading before `first` and the earliest after `last`, in one query."""
    prev_ts = select(func.max(Reading.ts)).where(Reading.device_id == device_id, Reading.ts < first)
    next_ts = select(func.min(Reading.ts)).where(Reading.device_id == device_id, Reading.ts > last)
    return tuple(session.execute(select(prev_ts.scalar_subquery(), next_ts.scalar_subquery())).one())


def _points(session: Session, device_id: int, start: datetime, end: datetime) -> list[tuple]:
    """The device's readings in [start, end) with the one before `start` and the first at or after
    `end` (what computing those quarters needs), as (epoch, power, energy).

    The bounds are looked up first and bound as values: folded into the range query as subqueries,
    PostgreSQL's generic plan for the prepared statement scanned whole partitions (0.5 s a call)."""
    where = (Reading.device_id == device_id,)
    before = session.scalar(select(func.max(Reading.ts)).where(*where, Reading.ts < start)) or start
    after = session.scalar(select(func.min(Reading.ts)).where(*where, Reading.ts >= end)) or end
    rows = session.execute(select(Reading.ts, Reading.power_w, Reading.energy_wh).where(
        *where, Reading.ts >= before, Reading.ts <= after))
    return [(ts.timestamp(), power, energy) for ts, power, energy in rows]


def _replace(session: Session, windows: dict[int, tuple[datetime, datetime]], rows: list[dict]) -> None:
    """Swap each device's stored quarters in its window for `rows`; forget the stored days they touch."""
    session.execute(delete(Rollup).where(or_(*(
        and_(Rollup.device_id == device_id, Rollup.bucket_start >= start, Rollup.bucket_start < end)
        for device_id, (start, end) in windows.items()))))
    session.execute(delete(DayRollup).where(or_(*(
        and_(DayRollup.device_id == device_id, DayRollup.day_end > start, DayRollup.day_start < end)
        for device_id, (start, end) in windows.items()))))
    if rows:
        session.execute(insert(Rollup), rows)


def _row(device: Device, q: Bucket) -> dict:
    return {"tenant_id": device.tenant_id, "device_id": device.id, "bucket_start": q.start, "energy_wh": q.energy_wh,
            "running_s": q.running_s, "idle_s": q.idle_s, "off_s": q.off_s, "running_wh": q.running_wh,
            "idle_wh": q.idle_wh, "off_wh": q.off_wh, "max_power_w": q.max_power_w, "avg_power_w": q.avg_power_w,
            "samples": q.samples}
