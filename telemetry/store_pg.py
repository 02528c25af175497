"""The PostgreSQL hot path of storing readings: the rows, their dirty windows and the devices' live
state in one statement (a data-modifying CTE) on the session's own connection and transaction, so
row-level security and the tenant context apply as for every other statement.

It does what telemetry.ingest.store_rows does elsewhere in three statements and Python: insert first
write wins (ON CONFLICT DO NOTHING), record per device the span of the rows inserted, and move each
device's newest reading, power and live state (running / idle / off from its thresholds, since the
first reading of the run of that state ending the batch) when the batch is newer than what it holds.
The statement text never changes, so psycopg prepares it once per connection; the columns travel as
binary arrays.

`store_all_committed` is the path of device tokens' requests (grouped by telemetry.group_commit): no
ORM session at all, but a pooled connection on which, for each request, setting the tenant (for
row-level security) and the statement, then one COMMIT for all, go to the server in one round trip
(psycopg's pipeline mode)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from telemetry.storage import VALUES, column_array, register_binary_columns
from tenants.scoping import RLS_SETTING

_STATE = ("CASE WHEN i.power_w IS NULL THEN NULL WHEN i.power_w < d.off_below_w THEN 'off' "
          "WHEN i.power_w < d.run_above_w THEN 'idle' ELSE 'running' END")
_NEWER = "(d.last_reading_at IS NULL OR d.last_reading_at < runs.ts)"

_ROWS = """
    SELECT * FROM unnest(%(device_id)b::bigint[], %(ts)b::timestamptz[], %(received_at)b::timestamptz[],
                         %(power_w)b::float8[], %(energy_wh)b::float8[], %(voltage_v)b::float8[],
                         %(current_a)b::float8[], %(power_factor)b::float8[], %(extra)b::text[])
        AS r(device_id, ts, received_at, power_w, energy_wh, voltage_v, current_a, power_factor, extra)"""
_CHECKED = """
WITH live AS (
    SELECT id FROM device_credentials WHERE id = %(credential_id)b::bigint AND revoked_at IS NULL
), used AS (
    UPDATE device_credentials SET last_used_at = %(seen)b::timestamptz
    WHERE id IN (SELECT id FROM live)
      AND (last_used_at IS NULL OR last_used_at < %(seen)b::timestamptz - interval '60 seconds')
), r AS ({rows} WHERE EXISTS (SELECT 1 FROM live)"""
_STEPS = f"""
), ins AS (
    INSERT INTO readings (tenant_id, device_id, ts, received_at, power_w, energy_wh, voltage_v, current_a,
                          power_factor, extra)
    SELECT %(tenant_id)b::bigint, device_id, ts, received_at, power_w, energy_wh, voltage_v, current_a,
           power_factor, extra::json FROM r
    ON CONFLICT (tenant_id, device_id, ts) DO NOTHING
    RETURNING device_id, ts, power_w
), dirty AS (
    INSERT INTO rollup_dirty (tenant_id, device_id, first_ts, last_ts)
    SELECT %(tenant_id)b::bigint, device_id, min(ts), max(ts) FROM ins GROUP BY device_id
), states AS (
    SELECT i.device_id, i.ts, i.power_w, {_STATE} AS state FROM ins i JOIN devices d ON d.id = i.device_id
), latest AS (
    SELECT DISTINCT ON (device_id) device_id, ts, power_w, state FROM states ORDER BY device_id, ts DESC
), runs AS (
    SELECT l.device_id, l.ts, l.power_w, l.state,
           (SELECT min(s.ts) FROM states s WHERE s.device_id = l.device_id AND s.ts > COALESCE(
               (SELECT max(b.ts) FROM states b WHERE b.device_id = l.device_id AND b.state IS DISTINCT FROM l.state),
               '-infinity'::timestamptz)) AS since
    FROM latest l
), moved AS (
    UPDATE devices d SET
        last_seen_at = %(seen)b::timestamptz,
        last_reading_at = CASE WHEN {_NEWER} THEN runs.ts ELSE d.last_reading_at END,
        last_power_w = CASE WHEN {_NEWER} THEN runs.power_w ELSE d.last_power_w END,
        state = CASE WHEN {_NEWER} THEN runs.state ELSE d.state END,
        state_since = CASE WHEN {_NEWER} AND d.state IS DISTINCT FROM runs.state THEN runs.since
                           ELSE d.state_since END
    FROM runs WHERE d.id = runs.device_id
)"""
STORE = f"WITH r AS ({_ROWS}{_STEPS}\nSELECT count(*) FROM ins"
STORE_CHECKED = _CHECKED.format(rows=_ROWS) + _STEPS + "\nSELECT count(*), EXISTS (SELECT 1 FROM live) FROM ins"
"""STORE for a device token whose source came from the cache: it stores nothing, and says so, unless
the credential is still live, and notes its last use (at most once a minute)."""


def _params(tenant_id: int, rows: list[dict], received_at: datetime) -> dict:
    params: dict[str, Any] = {name: column_array(row[name] for row in rows) for name in VALUES}
    params["extra"] = column_array(None if row["extra"] is None else json.dumps(row["extra"]) for row in rows)
    params.update(tenant_id=tenant_id, seen=received_at)
    return params


def store_rows_pg(session: Session, tenant_id: int, rows: list[dict], received_at: datetime) -> int:
    """Store reading rows of one tenant (the current one) with their dirty windows and the devices'
    live state, in one statement of the session's transaction; returns how many rows were new."""
    if not rows:
        return 0
    # psycopg's connection: typed optional, None only once the pooled connection is closed
    connection = cast(Any, session.connection().connection.driver_connection)
    register_binary_columns(connection)
    with connection.cursor() as cursor:
        cursor.execute(STORE, _params(tenant_id, rows, received_at))
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class DeviceWrite:
    """A device token's readings to store: its tenant, its credential (checked live) and the rows."""

    tenant_id: int
    credential_id: int
    rows: list[dict]
    received_at: datetime


def store_all_committed(engine: Engine, writes: list[DeviceWrite]) -> list[int | None]:
    """Store several device writes (any tenants) in one transaction committed when this returns, in one
    round trip: for each, how many rows were new, or None when its credential is revoked.
    `engine` need not ping its connections: one that broke (a database restart) is dropped and the
    writes are sent once more on a fresh one, which is safe because storing is first-write-wins.
    Database errors come as SQLAlchemy's (DBAPIError and its kinds), as from a session."""
    try:
        return _store_once(engine, writes)
    except _Broken:
        return _store_once(engine, writes, retry=False)


class _Broken(Exception):
    """The pooled connection was broken before anything could be committed on it."""


def _store_once(engine: Engine, writes: list[DeviceWrite], retry: bool = True) -> list[int | None]:
    pooled = None
    try:
        pooled = engine.raw_connection()
        connection = cast(Any, pooled.driver_connection)  # psycopg's: None only once `pooled` is closed
        register_binary_columns(connection)
        with connection.pipeline(), connection.cursor() as tenant:
            stores = []
            for write in writes:
                tenant.execute("SELECT set_config(%s, %s, true)", (RLS_SETTING, str(write.tenant_id)))
                stores.append(connection.cursor())
                stores[-1].execute(STORE_CHECKED, {**_params(write.tenant_id, write.rows, write.received_at),
                                                   "credential_id": write.credential_id})
            connection.commit()
            results = [inserted if live else None for inserted, live in (store.fetchone() for store in stores)]
            for store in stores:
                store.close()
            return results
    except psycopg.Error as exc:
        broken = True
        if pooled is not None:
            broken = _discard(pooled, exc)
            if broken and retry:
                raise _Broken() from exc
        raise DBAPIError.instance(STORE_CHECKED, None, exc, psycopg.Error,
                                  connection_invalidated=broken) from exc
    finally:
        if pooled is not None:
            pooled.close()


def _discard(pooled, exc: psycopg.Error) -> bool:
    """Roll back a failed transaction, or drop a connection that broke from the pool (True). A deadlock,
    a lock or statement timeout (OperationalError kinds too) leave the connection usable."""
    lost = isinstance(exc, psycopg.InterfaceError) or (
        isinstance(exc, psycopg.OperationalError) and (exc.sqlstate or "08").startswith("08"))
    if lost or pooled.driver_connection.broken:
        pooled.invalidate(exc)
        return True
    try:
        pooled.driver_connection.rollback()
    except psycopg.Error:
        pooled.invalidate(exc)
        return True
    return False
