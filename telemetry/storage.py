"""Reading storage: bulk inserts through SQLAlchemy Core, first write wins.

On PostgreSQL the rows travel as one binary array per column into `INSERT ... SELECT FROM
unnest(...) ON CONFLICT DO NOTHING RETURNING ...`: the statement text is the same for 1 or 10,000
readings, so psycopg converts it once and PostgreSQL prepares it once per connection, and no
per-row bind processing happens in Python. (A multi-row VALUES statement with 5,000 placeholders
cost more CPU to build and parse than the insert itself, and psycopg's text format for arrays
costs ten times its binary one.) Elsewhere (SQLite) it is a multi-row INSERT ... VALUES.
"""
from __future__ import annotations

import json
import typing
import weakref
from datetime import datetime
from functools import cache

from sqlalchemy import BigInteger, DateTime, Float, Table, Text, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, TypeEngine

from telemetry.models import Reading

READINGS = typing.cast(Table, Reading.__table__)  # typed FromClause; a declarative model's table is a Table
KEY = ["tenant_id", "device_id", "ts"]
VALUES = ("device_id", "ts", "received_at", "power_w", "energy_wh", "voltage_v", "current_a", "power_factor",
          "extra")
_ARRAY_TYPES = {"device_id": BigInteger, "ts": DateTime(timezone=True), "received_at": DateTime(timezone=True),
                "power_w": Float, "energy_wh": Float, "voltage_v": Float, "current_a": Float,
                "power_factor": Float, "extra": Text}
_RAW = {"dml_strategy": "raw"}  # a Core statement: no ORM bulk-insert handling of the parameters


class _Column(list):
    """The values of one column, sent by psycopg as a binary array (see register_binary_columns)."""


def column_array(values) -> list:
    """One column's values, to be sent to PostgreSQL as a binary array (psycopg connections that
    register_binary_columns prepared)."""
    return _Column(values)


class _AsIs(TypeEngine):
    """A bind type without Python-side processing: the list goes to psycopg unchanged."""

    cache_ok = True

    def bind_processor(self, dialect):
        return None


_BINARY_READY: weakref.WeakSet = weakref.WeakSet()


def insert_readings(session: Session, rows: list[dict]) -> list[tuple[int, datetime, float | None]]:
    """Insert reading rows (dicts with tenant_id, device_id, ts, received_at, the measures and
    extra; aware UTC datetimes), skipping any (tenant, device, ts) already stored; returns the
    (device_id, ts, power_w) of the rows actually inserted. All rows belong to one tenant."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _insert_postgresql(session, rows)
    statement = (
        sqlite.insert(READINGS)
        .on_conflict_do_nothing(index_elements=KEY)
        .returning(READINGS.c.device_id, READINGS.c.ts, READINGS.c.power_w)
    )
    return [tuple(row) for row in session.execute(statement, rows)]


def _insert_postgresql(session: Session, rows: list[dict]) -> list[tuple[int, datetime, float | None]]:
    tenants = {row["tenant_id"] for row in rows}
    if len(tenants) != 1:
        raise ValueError("insert_readings takes the rows of one tenant")
    params = {"tenant_id": tenants.pop()}
    for name in VALUES:
        params[name] = _Column(row[name] for row in rows)
    params["extra"] = _Column(None if value is None else json.dumps(value) for value in params["extra"])
    for name in ("ts", "received_at"):
        if any(value.tzinfo is None for value in params[name]):
            raise ValueError(f"naive datetime given as {name}")
    _binary_columns(session)
    return [tuple(row) for row in session.execute(_unnest_insert(), params, execution_options=_RAW)]


def _binary_columns(session: Session) -> None:
    """Teach the session's psycopg connection to send _Column as a binary array."""
    register_binary_columns(session.connection().connection.driver_connection)


def register_binary_columns(driver) -> None:
    """Teach a psycopg connection (once per connection) to send column_array values as binary arrays."""
    if driver not in _BINARY_READY:
        from psycopg.types.array import ListBinaryDumper

        driver.adapters.register_dumper(_Column, ListBinaryDumper)
        _BINARY_READY.add(driver)


@cache
def _unnest_insert():
    arrays = func.unnest(*[cast(bindparam(name, type_=_AsIs()), postgresql.ARRAY(_ARRAY_TYPES[name]))
                           for name in VALUES]) \
        .table_valued(*VALUES).render_derived(name="r")
    columns = [arrays.c[name] for name in VALUES[:-1]] + [cast(arrays.c.extra, JSON)]
    source = select(bindparam("tenant_id", type_=BigInteger), *columns)
    return (
        postgresql.insert(READINGS)
        .from_select(["tenant_id", *VALUES], source)
        .on_conflict_do_nothing(index_elements=KEY)
        .returning(READINGS.c.device_id, READINGS.c.ts, READINGS.c.power_w)
    )
