"""Reading the stored readings of a device, wherever they are: the row table, the packed blocks of
finished days (telemetry.packing), or both for a packed day that got late readings not merged yet.
Where a time is in both, the block's reading wins: it was written first.

Every read of readings outside ingest and settling's live edge goes through here, so that a
packed day answers exactly as it did before it was packed.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telemetry.models import Reading, ReadingBlock
from telemetry.reading_blocks import StoredReading, decode_block

PACK_AFTER_DAYS = 2
"""A UTC day is packed once this many midnights have passed since it began (a day after it ended),
so late readings of the day before and the live settling never meet a block."""

READING_COLUMNS = (Reading.ts, Reading.received_at, Reading.power_w, Reading.energy_wh, Reading.voltage_v,
            Reading.current_a, Reading.power_factor, Reading.extra)


def pack_horizon(now: datetime) -> datetime:
    """Every packed reading is older than this (UTC midnight PACK_AFTER_DAYS - 1 days before today)."""
    day = now.astimezone(UTC).date() - timedelta(days=PACK_AFTER_DAYS - 1)
    return datetime.combine(day, time(), UTC)


def read_readings(session: Session, device_id: int, start: datetime, end: datetime, *, after: datetime | None = None,
                  limit: int | None = None, end_inclusive: bool = False) -> list[StoredReading]:
    """The device's readings with start <= ts < end (<= end with `end_inclusive`) and ts > `after`,
    in time order, at most `limit` of them."""
    low = start if after is None else max(start, after + timedelta(microseconds=1))
    query = select(*READING_COLUMNS).where(Reading.device_id == device_id, Reading.ts >= low,
                                    Reading.ts <= end if end_inclusive else Reading.ts < end).order_by(Reading.ts)
    rows = [StoredReading(*row) for row in session.execute(query if limit is None else query.limit(limit))]
    packed: list[StoredReading] = []
    for block in _blocks(session, device_id, low, end, newest_first=False):
        packed += [r for r in block if low <= r.ts and (r.ts <= end if end_inclusive else r.ts < end)]
        if limit is not None and len(packed) >= limit:
            break
    return merged_readings(packed, rows)[:limit]


def latest_readings(session: Session, device_id: int, limit: int) -> list[StoredReading]:
    """The device's newest readings, newest first, at most `limit`."""
    rows = [StoredReading(*row) for row in session.execute(
        select(*READING_COLUMNS).where(Reading.device_id == device_id).order_by(Reading.ts.desc()).limit(limit))]
    packed: list[StoredReading] = []
    floor = rows[-1].ts if len(rows) == limit else None  # no older block can matter then
    for block in _blocks(session, device_id, floor, None, newest_first=True):
        packed = block + packed
        if len(packed) >= limit:
            break
    return merged_readings(packed, rows[::-1])[::-1][:limit]


def reading_before(session: Session, device_id: int, moment: datetime) -> datetime | None:
    """The time of the device's latest reading before `moment`, or None."""
    row = session.scalar(select(func.max(Reading.ts)).where(Reading.device_id == device_id, Reading.ts < moment))
    block = session.scalars(select(ReadingBlock.data).where(ReadingBlock.device_id == device_id,
                                                            ReadingBlock.first_ts < moment)
                            .order_by(ReadingBlock.day.desc()).limit(1)).first()
    packed = max((r.ts for r in decode_block(block) if r.ts < moment), default=None) if block else None
    return max((t for t in (row, packed) if t is not None), default=None)


def reading_after(session: Session, device_id: int, moment: datetime, inclusive: bool = False) -> datetime | None:
    """The time of the device's earliest reading after `moment` (or at it, when `inclusive`), or None."""
    later = (Reading.ts >= moment) if inclusive else (Reading.ts > moment)
    row = session.scalar(select(func.min(Reading.ts)).where(Reading.device_id == device_id, later))
    reaches = (ReadingBlock.last_ts >= moment) if inclusive else (ReadingBlock.last_ts > moment)
    block = session.scalars(select(ReadingBlock.data).where(ReadingBlock.device_id == device_id, reaches)
                            .order_by(ReadingBlock.day).limit(1)).first()
    packed = min((r.ts for r in decode_block(block) if r.ts > moment or (inclusive and r.ts == moment)),
                 default=None) if block else None
    return min((t for t in (row, packed) if t is not None), default=None)


def reading_span(session: Session, device_id: int) -> tuple[datetime | None, datetime | None]:
    """The times of the device's first and last reading (None, None without readings)."""
    rows = session.execute(select(func.min(Reading.ts), func.max(Reading.ts))
                           .where(Reading.device_id == device_id)).one()
    blocks = session.execute(select(func.min(ReadingBlock.first_ts), func.max(ReadingBlock.last_ts))
                             .where(ReadingBlock.device_id == device_id)).one()
    firsts = [t for t in (rows[0], blocks[0]) if t is not None]
    lasts = [t for t in (rows[1], blocks[1]) if t is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def count_readings(session: Session) -> int:
    """How many readings the current tenant has stored (a late duplicate of a packed reading not
    merged yet counts twice until the next packing)."""
    rows = session.scalar(select(func.count(Reading.device_id))) or 0
    return rows + (session.scalar(select(func.sum(ReadingBlock.count))) or 0)


def packed_times(session: Session, keys: Iterable[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
    """Which of these (device id, ts) are already in a block."""
    wanted: dict[tuple[int, object], set[datetime]] = {}
    for device_id, ts in keys:
        wanted.setdefault((device_id, ts.astimezone(UTC).date()), set()).add(ts)
    found = set()
    for (device_id, day), stamps in wanted.items():
        data = session.scalar(select(ReadingBlock.data).where(ReadingBlock.device_id == device_id,
                                                              ReadingBlock.day == day))
        if data is not None:
            found |= {(device_id, r.ts) for r in decode_block(data) if r.ts in stamps}
    return found


def _blocks(session: Session, device_id: int, low: datetime | None, high: datetime | None,
            newest_first: bool) -> Iterator[list[StoredReading]]:
    """The decoded blocks that may hold readings in [low, high], one at a time, in day order."""
    query = select(ReadingBlock.day).where(ReadingBlock.device_id == device_id)
    if low is not None:
        query = query.where(ReadingBlock.last_ts >= low)
    if high is not None:
        query = query.where(ReadingBlock.first_ts <= high)
    days = list(session.scalars(query.order_by(ReadingBlock.day.desc() if newest_first else ReadingBlock.day)))
    for day in days:
        yield decode_block(session.scalar(select(ReadingBlock.data).where(ReadingBlock.device_id == device_id,
                                                                          ReadingBlock.day == day)))


def merged_readings(packed: list[StoredReading], rows: list[StoredReading]) -> list[StoredReading]:
    """Both lists' readings in time order; a block's reading wins over a row at the same time."""
    if not packed:
        return rows
    if not rows:
        return packed
    taken = {r.ts for r in packed}
    return sorted(packed + [r for r in rows if r.ts not in taken], key=lambda r: r.ts)
