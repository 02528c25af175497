"""Settling: recompute the quarter rollups that new or late readings touched.

Devices settle together: the dirty windows, the locks, the deletes and the inserts are one
statement each for up to CHUNK devices; on PostgreSQL so are the reads (the neighbours of every
window, the bounds, the readings: three statements), elsewhere each device costs four short index
reads of its own. Settling was ten round trips per device before,
which made an overview of 50 machines that had all posted since the last settle take half a
second, and capped the scheduler at about a hundred devices a second.
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from telemetry import stored_readings
from telemetry.analytics import Bucket, DeviceSettings, affected_window, compute_quarter_buckets
from telemetry.models import Device, Reading, ReadingBlock
from telemetry.rollups import DayRollup, DirtyWindow, Rollup, mark_dirty
from telemetry.stored_readings import pack_horizon
from tenants.clock import utcnow

CHUNK = 200  # devices whose windows are deleted and written by one statement each


def settle_devices(session: Session, devices: list[Device], now: datetime | None = None,
                   skip_locked: bool = False) -> int:
    """Recompute the dirty quarter buckets of these devices of the current tenant (devices without
    readings waiting cost nothing more); returns how many buckets were written. The caller commits.
    With `skip_locked` (background settlers, several at once) a device another transaction is
    settling is left to it instead of waited for; a page's read waits, so its figures are settled."""
    now = now or utcnow()
    written = 0
    for i in range(0, len(devices), CHUNK):
        written += _settle_chunk(session, {d.id: d for d in devices[i:i + CHUNK]}, now, skip_locked)
    return written


def _settle_chunk(session: Session, devices: dict[int, Device], now: datetime, skip_locked: bool) -> int:
    dirty = sorted(set(session.scalars(select(DirtyWindow.device_id).where(DirtyWindow.device_id.in_(devices)))))
    if dirty and session.get_bind().dialect.name == "postgresql":  # one settle per device at a time; ordered
        dirty = list(session.scalars(select(Device.id).where(Device.id.in_(dirty)).order_by(Device.id)
                                     .with_for_update(skip_locked=skip_locked)))
    if not dirty:
        return 0
    windows = session.execute(select(DirtyWindow.id, DirtyWindow.device_id, DirtyWindow.first_ts, DirtyWindow.last_ts)
                              .where(DirtyWindow.device_id.in_(dirty))).all()
    spans: dict[int, tuple[datetime, datetime]] = {}
    for _id, device_id, first, last in windows:
        known = spans.get(device_id)
        spans[device_id] = (min(first, known[0]), max(last, known[1])) if known else (first, last)
    row_reads = _BatchedReads(session) if session.get_bind().dialect.name == "postgresql" else _DeviceReads(session)
    reads = _WithBlocks(row_reads, session, pack_horizon(now))
    neighbours = reads.neighbours(spans)
    affected, live_edges, rows = {}, {}, []
    for device_id, (first, last) in spans.items():
        prev_ts, next_ts = neighbours[device_id]
        start_ts, end_ts = affected_window(first.timestamp(), last.timestamp(), prev_ts and prev_ts.timestamp(),
                                           next_ts and next_ts.timestamp(), devices[device_id].max_gap_s)
        affected[device_id] = (datetime.fromtimestamp(start_ts, UTC), datetime.fromtimestamp(end_ts, UTC))
        if next_ts is None and last.timestamp() + devices[device_id].max_gap_s > now.timestamp():
            live_edges[device_id] = (last, last)  # the live edge still grows with `now`: settle it again later
    points = reads.points(affected)
    for device_id, (start, end) in affected.items():
        device = devices[device_id]
        settings = DeviceSettings(device.off_below_w, device.run_above_w, device.max_gap_s)
        quarters = compute_quarter_buckets(points[device_id], settings, start, end, now)
        rows += [_row(device, q) for q in quarters if q.samples or q.energy_wh or q.covered_s]
    _replace(session, affected, rows)
    session.execute(delete(DirtyWindow).where(DirtyWindow.id.in_([w.id for w in windows])).execution_options(**_QUIET))
    mark_dirty(session, live_edges)
    return len(rows)


class _DeviceReads:
    """The readings settling needs, read device by device (SQLite: four short index reads each)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def neighbours(self, spans: dict[int, tuple[datetime, datetime]]) -> dict[int, tuple]:
        """Per device, the latest stored reading before its window and the earliest after it."""
        found = {}
        for device_id, (first, last) in spans.items():
            prev_ts = select(func.max(Reading.ts)).where(Reading.device_id == device_id, Reading.ts < first)
            next_ts = select(func.min(Reading.ts)).where(Reading.device_id == device_id, Reading.ts > last)
            found[device_id] = tuple(self.session.execute(select(prev_ts.scalar_subquery(),
                                                                 next_ts.scalar_subquery())).one())
        return found

    def points(self, windows: dict[int, tuple[datetime, datetime]]) -> dict[int, list[tuple]]:
        """Per device, its readings in [start, end) with the one before `start` and the first at or
        after `end` (what computing those quarters needs), as (epoch, power, energy).

        The bounds are looked up first and bound as values: folded into the range query as subqueries,
        PostgreSQL's generic plan for the prepared statement scanned whole partitions (0.5 s a call)."""
        found = {}
        for device_id, (start, end) in windows.items():
            where = (Reading.device_id == device_id,)
            before = self.session.scalar(select(func.max(Reading.ts)).where(*where, Reading.ts < start)) or start
            after = self.session.scalar(select(func.min(Reading.ts)).where(*where, Reading.ts >= end)) or end
            rows = self.session.execute(select(Reading.ts, Reading.power_w, Reading.energy_wh).where(
                *where, Reading.ts >= before, Reading.ts <= after))
            found[device_id] = [(ts.timestamp(), power, energy) for ts, power, energy in rows]
        return found


_NEIGHBOURS = text("""
SELECT w.device_id,
       (SELECT max(r.ts) FROM readings r WHERE r.device_id = w.device_id AND r.ts < w.lo),
       (SELECT min(r.ts) FROM readings r WHERE r.device_id = w.device_id AND r.ts > w.hi)
FROM unnest(CAST(:ids AS bigint[]), CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) AS w(device_id, lo, hi)
""")
_BOUNDS = text("""
SELECT w.device_id,
       (SELECT max(r.ts) FROM readings r WHERE r.device_id = w.device_id AND r.ts < w.lo),
       (SELECT min(r.ts) FROM readings r WHERE r.device_id = w.device_id AND r.ts >= w.hi)
FROM unnest(CAST(:ids AS bigint[]), CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) AS w(device_id, lo, hi)
""")
_POINTS = text("""
SELECT w.device_id, extract(epoch FROM r.ts)::float8, r.power_w, r.energy_wh
FROM unnest(CAST(:ids AS bigint[]), CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[])) AS w(device_id, lo, hi)
CROSS JOIN LATERAL (SELECT ts, power_w, energy_wh FROM readings r
                    WHERE r.device_id = w.device_id AND r.ts >= w.lo AND r.ts <= w.hi) r
ORDER BY w.device_id, r.ts
""")


class _BatchedReads(_DeviceReads):
    """The same reads for all the devices of a chunk at once (PostgreSQL): three statements in all."""

    def _per_device(self, statement, windows: dict[int, tuple[datetime, datetime]]) -> dict[int, tuple]:
        ids = list(windows)
        rows = self.session.execute(statement, {"ids": ids, "los": [windows[i][0] for i in ids],
                                                "his": [windows[i][1] for i in ids]})
        return {device_id: (lo, hi) for device_id, lo, hi in rows}

    def neighbours(self, spans: dict[int, tuple[datetime, datetime]]) -> dict[int, tuple]:
        return self._per_device(_NEIGHBOURS, spans)

    def points(self, windows: dict[int, tuple[datetime, datetime]]) -> dict[int, list[tuple]]:
        bounds = self._per_device(_BOUNDS, windows)
        ranges = {device_id: (before or windows[device_id][0], after or windows[device_id][1])
                  for device_id, (before, after) in bounds.items()}
        found: dict[int, list[tuple]] = {device_id: [] for device_id in windows}
        ids = list(ranges)
        for device_id, epoch, power, energy in self.session.execute(_POINTS, {
                "ids": ids, "los": [ranges[i][0] for i in ids], "his": [ranges[i][1] for i in ids]}):
            found[device_id].append((epoch, power, energy))
        return found


class _WithBlocks:
    """The row table's reads, completed from the packed blocks for the devices that have blocks
    newer than what the rows gave (history recomputed, late readings of old days): one statement
    per chunk finds those devices, and only when a window or neighbour lies before the pack horizon,
    so live settling costs what it did."""

    def __init__(self, rows: _DeviceReads, session: Session, horizon: datetime) -> None:
        self.rows, self.session, self.horizon = rows, session, horizon
        self._newest: dict[int, datetime] | None = None

    def _newest_packed(self, device_ids: list[int]) -> dict[int, datetime]:
        """Per device that has blocks, the time of its newest packed reading (looked up once)."""
        if self._newest is None:
            self._newest = dict(self.session.execute(
                select(ReadingBlock.device_id, func.max(ReadingBlock.last_ts))
                .where(ReadingBlock.device_id.in_(device_ids)).group_by(ReadingBlock.device_id)).all())
        return self._newest

    def neighbours(self, spans: dict[int, tuple[datetime, datetime]]) -> dict[int, tuple]:
        found = self.rows.neighbours(spans)
        old = [d for d, (first, _) in spans.items() if found[d][0] is None or found[d][0] < self.horizon]
        newest = self._newest_packed(list(spans)) if old else {}
        for device_id in set(old) & set(newest):
            (first, last), (prev_ts, next_ts) = spans[device_id], found[device_id]
            if prev_ts is None or prev_ts < newest[device_id]:
                prev_ts = stored_readings.reading_before(self.session, device_id, first)
            if last < newest[device_id]:
                next_ts = stored_readings.reading_after(self.session, device_id, last)
            found[device_id] = (prev_ts, next_ts)
        return found

    def points(self, windows: dict[int, tuple[datetime, datetime]]) -> dict[int, list[tuple]]:
        found = self.rows.points(windows)
        edge = self.horizon.timestamp()
        old = [d for d, (start, _) in windows.items()  # a window, or the reading the rows have before it, is old
               if start < self.horizon or not found[d] or found[d][0][0] < edge or found[d][0][0] >= start.timestamp()]
        newest = self._newest_packed(list(windows)) if old else {}
        for device_id in set(old) & set(newest):
            (start, end), points, packed = windows[device_id], found[device_id], newest[device_id]
            if start <= packed or not points or points[0][0] <= packed.timestamp() or points[0][0] >= start.timestamp():
                found[device_id] = self._merged_points(device_id, start, end)
        return found

    def _merged_points(self, device_id: int, start: datetime, end: datetime) -> list[tuple]:
        before = stored_readings.reading_before(self.session, device_id, start) or start
        after = stored_readings.reading_after(self.session, device_id, end, inclusive=True) or end
        return [(r.ts.timestamp(), r.power_w, r.energy_wh)
                for r in stored_readings.read_readings(self.session, device_id, before, after, end_inclusive=True)]


_DELETE_QUARTERS = text("""
DELETE FROM rollups r USING unnest(CAST(:ids AS bigint[]), CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[]))
    AS w(device_id, lo, hi)
WHERE r.device_id = w.device_id AND r.bucket_start >= w.lo AND r.bucket_start < w.hi
""")
_DELETE_DAYS = text("""
DELETE FROM rollup_days d USING unnest(CAST(:ids AS bigint[]), CAST(:los AS timestamptz[]), CAST(:his AS timestamptz[]))
    AS w(device_id, lo, hi)
WHERE d.device_id = w.device_id AND d.day_end > w.lo AND d.day_start < w.hi
""")
_QUIET = {"synchronize_session": False}  # nothing settling deletes is held in the session


def _replace(session: Session, windows: dict[int, tuple[datetime, datetime]], rows: list[dict]) -> None:
    """Swap each device's stored quarters in its window for `rows`; forget the stored days they touch."""
    if session.get_bind().dialect.name == "postgresql":  # one statement each, whatever the number of devices
        ids = list(windows)
        params = {"ids": ids, "los": [windows[i][0] for i in ids], "his": [windows[i][1] for i in ids]}
        session.execute(_DELETE_QUARTERS, params)
        session.execute(_DELETE_DAYS, params)
    else:
        session.execute(delete(Rollup).where(or_(*(
            and_(Rollup.device_id == device_id, Rollup.bucket_start >= start, Rollup.bucket_start < end)
            for device_id, (start, end) in windows.items()))).execution_options(**_QUIET))
        session.execute(delete(DayRollup).where(or_(*(
            and_(DayRollup.device_id == device_id, DayRollup.day_end > start, DayRollup.day_start < end)
            for device_id, (start, end) in windows.items()))).execution_options(**_QUIET))
    if rows:
        session.execute(insert(Rollup), rows)


def _row(device: Device, q: Bucket) -> dict:
    return {"tenant_id": device.tenant_id, "device_id": device.id, "bucket_start": q.start, "energy_wh": q.energy_wh,
            "running_s": q.running_s, "idle_s": q.idle_s, "off_s": q.off_s, "running_wh": q.running_wh,
            "idle_wh": q.idle_wh, "off_wh": q.off_wh, "max_power_w": q.max_power_w, "avg_power_w": q.avg_power_w,
            "samples": q.samples}
