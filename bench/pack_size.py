"""Bytes per stored reading, in rows and packed (telemetry.packing), on PostgreSQL.

    .venv/bin/python bench/pack_size.py            # 7 days of each profile
    .venv/bin/python bench/pack_size.py --days 3

Creates its own throw-away database (as bench/settle.py), one device per profile: the three demo
machines at the demo's history interval (60 s) and at the live one (10 s), and a real-looking Shelly
Plug trace every 10 s (power to 0.1 W with ±1.5 % noise while running, voltage to 0.1 V, current to
the mA, power factor to 0.01, the Wh counter to 3 places, and a receive time 20-400 ms after the
meter's whole second). Stores the days through the app's storage path, measures the row table
(partitions with indexes and TOAST), runs the packing job, measures reading_blocks the same way,
and checks that every device reads back exactly what was stored. Prints a table per profile."""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ingest import create_fixture  # noqa: E402

UTC = UTC
PROFILES = (("cnc", 60), ("compressor", 60), ("press", 60), ("cnc", 10), ("compressor", 10), ("press", 10),
            ("shelly-plug", 10))


def shelly_trace(start: datetime, count: int, seed: int = 7):
    """A plug on a machine cycling between idle (about 40 W) and running (about 850 W)."""
    from telemetry.reading_blocks import StoredReading

    rnd, energy, running = random.Random(seed), 48_211.125, False
    for i in range(count):
        if rnd.random() < 1 / 90:
            running = not running
        ts = start + timedelta(seconds=10 * i)
        power = round(rnd.gauss(850, 12.75) if running else rnd.gauss(40, 0.6), 1)
        energy = round(energy + power * 10 / 3600, 3)
        volts, pf = round(rnd.gauss(231, 0.8), 1), round(min(1.0, rnd.gauss(0.93 if running else 0.55, 0.01)), 2)
        yield StoredReading(ts, ts + timedelta(microseconds=rnd.randint(20_000, 400_000)), power, energy, volts,
                            round(power / (volts * pf), 3), pf, None)


def profile_trace(profile: str, interval_s: int, start: datetime, count: int):
    from telemetry.reading_blocks import StoredReading
    from telemetry.simulator import simulate

    if profile == "shelly-plug":
        yield from shelly_trace(start, count)
        return
    for _, r in zip(range(count), simulate(profile, start, interval_s, device=profile, seed=1)):
        yield StoredReading(r.ts, r.ts, *(float(v) for v in (r.power_w, r.energy_wh, r.voltage_v, r.current_a,
                                                             r.power_factor)), None)


def store(url: str, tenant_id: int, device_ids: list[int], start: datetime, days: int) -> dict[int, list]:
    from sqlalchemy import select

    from telemetry.ingest import store_rows
    from telemetry.models import Device
    from tenants.db import Database
    from tenants.scoping import tenant_context

    database, stored = Database(url), {}
    try:
        for device_id, (profile, interval_s) in zip(device_ids, PROFILES):
            readings = list(profile_trace(profile, interval_s, start, days * 86400 // interval_s))
            stored[device_id] = readings
            with tenant_context(tenant_id), database.session() as session:
                device = session.scalars(select(Device).where(Device.id == device_id)).one()
                for i in range(0, len(readings), 20_000):
                    rows = [{"tenant_id": tenant_id, "device_id": device_id, **r._asdict()}
                            for r in readings[i:i + 20_000]]
                    store_rows(session, rows, readings[-1].ts, {device_id: device})
    finally:
        database.dispose()
    return stored


def sizes(admin_url: str) -> dict:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as db:
        db.execute("VACUUM ANALYZE")
        rows = db.execute("SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i "
                          "WHERE i.inhparent = 'readings'::regclass").fetchone()[0]
        row_counts = dict(db.execute("SELECT device_id, count(*) FROM readings GROUP BY device_id").fetchall())
        blocks = db.execute("SELECT pg_total_relation_size('reading_blocks')").fetchone()[0]
        per_device = {d: (n, int(payload), blocks_n) for d, n, payload, blocks_n in db.execute(
            "SELECT device_id, sum(count), sum(octet_length(data)), count(*) FROM reading_blocks GROUP BY device_id")}
    return {"rows_bytes": int(rows), "row_counts": row_counts, "blocks_bytes": int(blocks), "per_device": per_device}


def read_back(url: str, tenant_id: int, stored: dict[int, list], start: datetime, days: int) -> None:
    from telemetry.stored_readings import read_readings
    from tenants.db import Database
    from tenants.scoping import tenant_context

    database = Database(url)
    try:
        with tenant_context(tenant_id), database.session() as session:
            for device_id, readings in stored.items():
                got = read_readings(session, device_id, start, start + timedelta(days=days + 1))
                assert got == readings, f"device {device_id} reads back differently"
    finally:
        database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--days", type=int, default=7)
    args = parser.parse_args(argv)
    os.environ["TEST_DATABASE_URL"] = args.database_url
    from jobs.registry import pack_readings
    from tenants.db import Database
    from tests.support.databases import create_test_database

    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=args.days + 3)
    with tempfile.TemporaryDirectory(prefix="df-pack-") as workdir:
        database = create_test_database(Path(workdir))
        try:
            fixture = create_fixture(database.url, len(PROFILES))
            stored = store(database.url, fixture.tenant_id, fixture.device_ids, start, args.days)
            before = sizes(database.admin_url)
            app_db = Database(database.url)
            try:
                began = time.perf_counter()
                moved = pack_readings(app_db)
                pack_s = time.perf_counter() - began
            finally:
                app_db.dispose()
            after = sizes(database.admin_url)
            began = time.perf_counter()
            read_back(database.url, fixture.tenant_id, stored, start, args.days)
            read_s = time.perf_counter() - began
        finally:
            database.drop()
    total = sum(len(r) for r in stored.values())
    print(f"{args.days} days per profile, {total:,} readings, {moved:,} packed; all read back exactly")
    print(f"packing {moved / pack_s:,.0f} readings/s ({pack_s:.1f} s); reading them all back from blocks "
          f"{total / read_s:,.0f} readings/s ({read_s:.1f} s), one process")
    print(f"rows:   {before['rows_bytes'] / total:7.1f} B/reading (partitions with indexes and TOAST)")
    print(f"blocks: {after['blocks_bytes'] / total:7.1f} B/reading (reading_blocks with its index and TOAST)")
    overhead = after["blocks_bytes"] - sum(p for _, p, _ in after["per_device"].values())
    blocks_n = sum(b for *_, b in after["per_device"].values())
    print(f"{'profile':>12} {'interval':>8} {'readings':>9} {'B/reading':>9}  "
          "(payload + its share of pages, index, TOAST)")
    for device_id, (profile, interval_s) in zip(fixture.device_ids, PROFILES):
        count, payload, blocks = after["per_device"][device_id]
        share = payload + overhead * blocks / blocks_n
        print(f"{profile:>12} {interval_s:>7}s {count:>9,} {share / count:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
