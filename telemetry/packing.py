"""Packing: a device's readings of a finished UTC day move from the row table into one compressed
block (telemetry.reading_blocks), about 8 bytes a reading instead of 160; late readings for a packed
day land in the row table and are merged into the block by the next packing; retention drops whole
blocks. Reads go through telemetry.stored_readings, which answers the same before and after.

Packing a day and storing a late reading for it take the same per-device lock on PostgreSQL, so a
late duplicate of a packed reading is told apart from a new one and counted as a duplicate.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, text
from sqlalchemy.orm import Session

from telemetry.models import Device, Reading, ReadingBlock
from telemetry.reading_blocks import StoredReading, decode_block, encode_block
from telemetry.stored_readings import READING_COLUMNS, merged_readings, pack_horizon, packed_times

_LOCK_SPACE = 0x5EAD << 48  # advisory lock keys of "packing this device", clear of other users
CLOCK_MARGIN = timedelta(hours=1)
"""Packing trails the ingest's horizon by this much, so a request received just before midnight (which
decided by its own receive time that its day cannot be packed yet) is never outrun by a packing run."""


def pack_next_day(session: Session, device_id: int, now: datetime) -> int:
    """Pack the oldest packable day of the device that still has rows (merging them into its block
    when it has one); returns how many rows moved, 0 when nothing is left. The caller commits."""
    horizon = pack_horizon(now - CLOCK_MARGIN)
    first = session.scalar(select(func.min(Reading.ts)).where(Reading.device_id == device_id, Reading.ts < horizon))
    if first is None:
        return 0
    lock_devices(session, [device_id])
    # and the lock settling takes: a settle must not read a day's rows before packing and its block after
    session.execute(select(Device.id).where(Device.id == device_id).with_for_update())
    return _pack_day(session, device_id, first.astimezone(UTC).date())


def _pack_day(session: Session, device_id: int, day: date) -> int:
    start = datetime.combine(day, time(), UTC)
    moved = [StoredReading(*row) for row in session.execute(
        delete(Reading).where(Reading.device_id == device_id, Reading.ts >= start,
                              Reading.ts < start + timedelta(days=1))
        .returning(*READING_COLUMNS).execution_options(synchronize_session=False))]
    if not moved:
        return 0
    block = session.scalars(select(ReadingBlock).where(ReadingBlock.device_id == device_id, ReadingBlock.day == day)
                            .with_for_update()).first()
    readings = merged_readings(decode_block(block.data) if block else [], sorted(moved, key=lambda r: r.ts))
    if block is None:
        block = ReadingBlock(device_id=device_id, day=day)
        session.add(block)
    block.first_ts, block.last_ts = readings[0].ts, readings[-1].ts
    block.count, block.data = len(readings), encode_block(readings)
    session.flush()
    return len(moved)


def lock_devices(session: Session, device_ids: list[int]) -> None:
    """Hold, until the transaction ends, each device's packing lock (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for device_id in sorted(set(device_ids)):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_SPACE | device_id})


def without_packed(session: Session, rows: list[dict], received_at: datetime) -> list[dict]:
    """The reading rows to insert once those already in a block are left out (first write wins).
    Rows of days that cannot be packed yet cost nothing here."""
    horizon = pack_horizon(received_at)
    old = [row for row in rows if row["ts"] < horizon]
    if not old:
        return rows
    lock_devices(session, [row["device_id"] for row in old])
    packed = packed_times(session, ((row["device_id"], row["ts"]) for row in old))
    return [row for row in rows if (row["device_id"], row["ts"]) not in packed] if packed else rows


def may_touch_blocks(rows: list[dict], received_at: datetime) -> bool:
    """Whether any row is of a day that may be packed (such rows take the path that checks blocks)."""
    horizon = pack_horizon(received_at)
    return any(row["ts"] < horizon for row in rows)


def drop_expired_blocks(session: Session, keep_days: int, now: datetime) -> int:
    """Delete the current tenant's blocks of days wholly older than `keep_days`; returns how many."""
    cutoff = now.astimezone(UTC).date() - timedelta(days=keep_days)
    # a DELETE without RETURNING gives a CursorResult (typed as Result), which has the rowcount
    result = cast(CursorResult[Any], session.execute(delete(ReadingBlock).where(ReadingBlock.day < cutoff)
                                                     .execution_options(synchronize_session=False)))
    return result.rowcount or 0
