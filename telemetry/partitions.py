"""Monthly partitions of the readings table on PostgreSQL: created ahead, dropped past retention."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tenants.clock import utcnow
from tenants.rls import enable_statements

MONTHS_AHEAD = 3


def month_start(day: date, months: int = 0) -> date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    """The partition table of a month, e.g. readings_202611."""
    return f"readings_{month.year:04d}{month.month:02d}"


def ensure_partitions(connection: Connection, first: date, last: date) -> list[str]:
    """Create the monthly partitions covering [first, last] that do not exist yet; returns their names."""
    created = []
    month = month_start(first)
    while month <= last:
        name = partition_name(month)
        exists = connection.execute(text("SELECT to_regclass(:n)"), {"n": name}).scalar()
        if exists is None:
            connection.execute(text(
                f"CREATE TABLE {name} PARTITION OF readings FOR VALUES FROM ('{month.isoformat()}') "
                f"TO ('{month_start(month, 1).isoformat()}')"))
            for statement in enable_statements(name):  # partitions do not inherit the parent's policy
                connection.execute(text(statement))
            created.append(name)
        month = month_start(month, 1)
    return created


def existing_partitions(connection: Connection) -> list[str]:
    """Names of the readings partitions, oldest first."""
    return sorted(connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'readings'::regclass")).scalars())


def drop_expired_partitions(connection: Connection, keep_days: int, now: datetime | None = None) -> list[str]:
    """Drop whole partitions whose every reading is older than `keep_days` (the longest retention)."""
    today = (now or utcnow()).date()
    cutoff = today - timedelta(days=keep_days)
    dropped = []
    for name in existing_partitions(connection):
        year, month = int(name[-6:-2]), int(name[-2:])
        if month_start(date(year, month, 1), 1) <= cutoff:
            connection.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    return dropped
