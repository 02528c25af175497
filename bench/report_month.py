"""Report benchmark: 50 machines × one month of stored 15-minute rollups, time-of-use tariff and shifts.

Builds `telemetry.reports.build_report` for the whole month (and by day) on a throw-away database
(SQLite, or PostgreSQL when TEST_DATABASE_URL is set, as the tests do) and prints wall and CPU time.

    PYTHONPATH=. .venv/bin/python bench/report_month.py [--machines 50] [--days 31]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from telemetry import plant, registry, reports  # noqa: E402
from telemetry.rollups import Rollup  # noqa: E402
from tenants import accounts  # noqa: E402
from tenants.clock import day_start  # noqa: E402
from tenants.db import Database  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tenants.scoping import tenant_context  # noqa: E402
from tests.support.databases import create_test_database  # noqa: E402

ZONE = "Europe/Berlin"


def seed(database: Database, machines: int, first: date, days: int) -> int:
    """A tenant with `machines` devices, each with every quarter of the period stored; returns its id."""
    with database.session() as session:
        owner = accounts.create_user(session, email="bench@report.test", password="bench-password-1")
        tenant = accounts.create_tenant(session, name="Bench Works", country="DE", timezone=ZONE, currency="EUR",
                                        owner=owner)
        tenant_id = tenant.id
    start = day_start(first, ZONE)
    with database.session() as session, tenant_context(tenant_id):
        plant.set_tariff(session, 0.3, [{"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 0.15}])
        plant.set_shifts(session, [{"weekday": d, "start": "06:00", "end": "14:00"} for d in range(5)])
        for n in range(machines):
            device, _token = registry.create_device(session, {"name": f"machine {n:02d}"})
            session.flush()
            session.execute(insert(Rollup), [
                {"tenant_id": tenant_id, "device_id": device.id, "bucket_start": start + timedelta(minutes=15 * k),
                 "energy_wh": 100.0, "running_s": 600.0, "idle_s": 200.0, "off_s": 100.0, "running_wh": 80.0,
                 "idle_wh": 15.0, "off_wh": 5.0, "max_power_w": 500.0, "avg_power_w": 400.0, "samples": 15}
                for k in range(days * 96 + 8)])
    return tenant_id


def measure(database: Database, tenant_id: int, period: reports.ReportPeriod) -> tuple[float, float, int]:
    """Wall and CPU seconds of one report, and its number of machines."""
    with database.session() as session, tenant_context(tenant_id):
        tenant = session.get(Tenant, tenant_id)
        wall, cpu = time.perf_counter(), time.process_time()
        report = reports.build_report(session, tenant, period, now=datetime.now(UTC))
        return time.perf_counter() - wall, time.process_time() - cpu, len(report.machines)


def main() -> None:
    """Seed, measure, print, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=50)
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()
    first = date(2026, 3, 1)
    with tempfile.TemporaryDirectory() as tmp:
        test_db = create_test_database(Path(tmp))
        database = Database(test_db.url)
        try:
            tenant_id = seed(database, args.machines, first, args.days)
            for breakdown in ("none", "day"):
                period = reports.ReportPeriod(first, first + timedelta(days=args.days - 1), breakdown)
                wall, cpu, count = measure(database, tenant_id, period)
                print(f"{test_db.dialect}: {count} machines × {args.days} days, breakdown {breakdown}: "
                      f"{wall:.2f} s wall, {cpu:.2f} s CPU")
        finally:
            database.dispose()
            test_db.drop()


if __name__ == "__main__":
    main()
