"""Live settling benchmark: how many devices a second the settle job keeps up with when every device
brings one new reading per round (the production load: meters posting every 10-60 s), with 1, 2, ...
settler processes side by side (jobs.settler: each takes the devices no other is settling).

    .venv/bin/python bench/settle.py                        # 2,000 devices, 1 and 2 processes
    .venv/bin/python bench/settle.py --devices 5000 --processes 1,2,4 --rounds 5

Creates its own throw-away PostgreSQL database and app role (as bench/ingest.py), a tenant with the
devices and an hour of history each (one reading a minute), settles it, then per round stores one new
reading per device (telemetry.ingest.store_rows, as the app role) and times the settle_rollups job run
in N processes at once until no dirty window is left. Prints devices/s per process count."""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ingest import create_fixture  # noqa: E402

HISTORY_MIN = 60
CHUNK_ROWS = 20_000


def _store(url: str, tenant_id: int, device_ids: list[int], stamps: list[datetime], seed: int) -> None:
    """One reading per device per stamp, through the app's storage path, in chunks."""
    from sqlalchemy import select

    from telemetry.ingest import store_rows
    from telemetry.models import Device
    from tenants.db import Database
    from tenants.scoping import tenant_context

    database = Database(url)
    try:
        with tenant_context(tenant_id), database.session() as session:
            devices = {d.id: d for d in session.scalars(select(Device).where(Device.id.in_(device_ids)))}
            rows = []
            for n, device_id in enumerate(device_ids):
                for k, ts in enumerate(stamps):
                    rows.append({"tenant_id": tenant_id, "device_id": device_id, "ts": ts, "received_at": ts,
                                 "power_w": float((n + k + seed) % 7 * 300), "energy_wh": 1000.0 + k + seed,
                                 "voltage_v": None, "current_a": None, "power_factor": None, "extra": None})
                if len(rows) >= CHUNK_ROWS:
                    store_rows(session, rows, ts, devices)
                    rows = []
            if rows:
                store_rows(session, rows, stamps[-1], devices)
    finally:
        database.dispose()


def _settle_once(url: str) -> None:
    from jobs.registry import settle_rollups
    from tenants.db import Database

    database = Database(url)
    try:
        settle_rollups(database)
    finally:
        database.dispose()


def _dirty(admin_url: str) -> int:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        return connection.execute("SELECT count(DISTINCT device_id) FROM rollup_dirty").fetchone()[0]


def settle_round(url: str, admin_url: str, processes: int) -> float:
    """Seconds until N settler processes, started together, leave no dirty window."""
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    while True:
        workers = [context.Process(target=_settle_once, args=(url,)) for _ in range(processes)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if _dirty(admin_url) == 0:
            return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts (default 1,2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per process count (default 3)")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.processes.split(",") if n.strip()]
    os.environ["TEST_DATABASE_URL"] = args.database_url
    import jobs.registry  # noqa: F401  (imported once here, not in every forked settler)
    from tests.support.databases import create_test_database

    with tempfile.TemporaryDirectory(prefix="df-settle-") as workdir:
        database = create_test_database(Path(workdir))
        try:
            fixture = create_fixture(database.url, args.devices)
            now = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
            history = [now - timedelta(minutes=HISTORY_MIN - m) for m in range(HISTORY_MIN)]
            print(f"{args.devices} devices, {HISTORY_MIN} readings of history each; settling it ...", flush=True)
            _store(database.url, fixture.tenant_id, fixture.device_ids, history, 0)
            settle_round(database.url, database.admin_url, max(counts))
            print(f"{'processes':>9} {'median s':>9} {'devices/s':>10}  (one new reading per device per round)")
            stamp = now
            for processes in counts:
                seconds = []
                for _ in range(args.rounds):
                    stamp += timedelta(minutes=1)
                    _store(database.url, fixture.tenant_id, fixture.device_ids, [stamp], 1)
                    seconds.append(settle_round(database.url, database.admin_url, processes))
                median = statistics.median(seconds)
                print(f"{processes:9d} {median:9.2f} {args.devices / median:10,.0f}", flush=True)
        finally:
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
