"""Dashboard benchmark: the overview and a machine's 30-day series from rollups, against a raw scan.

One tenant with N devices x D days of 30-second readings on PostgreSQL (default 50 x 365, about
52 M rows), measured in one run:

  load      realistic traces (the profiles of telemetry/simulator.py, vectorised with numpy),
            written with binary COPY one UTC day at a time (each day lands in its month's
            partition), interleaved by time as live ingest would store them
  settle    the real rollup code: every device's month is marked dirty (rollups.mark_dirty) and
            settled (settling.settle_devices), month by month; wall time and readings/s
  storage   bytes per reading (readings, all partitions, table + indexes) and per rollup bucket
  api       gunicorn with the project's gunicorn.conf.py as the ordinary app role (row-level
            security on), an API key, sequential requests over one keep-alive connection:
            GET /api/v1/overview (today) and GET /api/v1/devices/<id>/series for the last 30
            local days at resolution=day, random devices; p50/p95 over --requests each
  raw       the same figures computed by a straightforward SQL scan of the raw readings
            (LEAD over ts per device), timed the same way, and the speed-up ratios
  live      incremental settling as it runs in production: every device gets 1 (then 10) new
            readings, the settle_rollups job settles them; readings/s it sustains; and the
            overview answered while every device has an unsettled reading (reads settle first)

It creates its own throw-away database and app role (tests/support/databases.py) and drops them
again at the end, also on error or Ctrl-C. Needs numpy (bench/requirements.txt). See bench/README.md.

    .venv/bin/python bench/dashboard.py                        # 50 devices x 365 days
    .venv/bin/python bench/dashboard.py --devices 5 --days 30  # a quick run
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

try:
    import numpy as np
except ImportError:  # pragma: no cover - told plainly
    raise SystemExit("bench/dashboard.py needs numpy: .venv/bin/pip install -r bench/requirements.txt") from None

from bench.ingest import (  # noqa: E402
    COLUMNS,
    CpuMeter,
    Server,
    Stop,
    _on_signal,
    _percentile,
    add_shared_arguments,
    create_fixture,
    server_env,
)

UTC = UTC
PG_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z, the origin of PostgreSQL's binary timestamps
PROFILE_CYCLE = ("cnc", "compressor", "press")
# thresholds that separate each profile's idle from its work (the reference CNC trace uses 10/1000 W)
THRESHOLDS = {"cnc": (10.0, 1000.0), "compressor": (10.0, 4000.0), "press": (10.0, 5000.0)}
ANCHORS = (("ThingsBoard on Cassandra", 16.0, "per data point"), ("emoncms PHPFina", 4.0, "per value"))
VALUES_PER_READING = 5  # power, energy, voltage, current, power factor
TARGETS = {"overview_p95_ms": 150.0, "series_p95_ms": 100.0, "speedup": 50.0, "settle_readings_per_s": 2000.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_shared_arguments(parser)
    parser.add_argument("--devices", type=int, default=50, help="devices of the one tenant (default 50)")
    parser.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument("--interval", type=int, default=30, help="seconds between readings (default 30)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per API call (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests before each (default 20)")
    parser.add_argument("--raw-repeats", type=int, default=20, help="timed runs of each raw scan (default 20)")
    parser.add_argument("--series-days", type=int, default=30, help="days of the daily series (default 30)")
    parser.add_argument("--live-rounds", type=int, default=5,
                        help="rounds of the incremental settle phase per batch size (default 5; 0 skips it)")
    parser.add_argument("--dirty-requests", type=int, default=20,
                        help="overview requests while every device has an unsettled reading (default 20)")
    parser.add_argument("--timezone", default="Europe/Berlin", help="the tenant's zone (default Europe/Berlin)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--py-spy", dest="py_spy", metavar="FILE",
                        help="also profile the gunicorn workers with py-spy during extra overview and series "
                             "requests; collapsed stacks go to FILE, the hottest functions are printed")
    args = parser.parse_args(argv)
    if 86400 % args.interval or 900 % args.interval:
        parser.error("--interval must divide 900 s (15 minutes)")
    return args


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------- generation

@dataclass(frozen=True)
class Plan:
    """The time span of the stored history: readings at start, start + interval, ... < end."""

    start: int
    end: int
    interval: int
    zone: ZoneInfo

    def days(self) -> list[tuple[int, int]]:
        """UTC days clipped to [start, end): each lies in one month partition."""
        windows, a = [], self.start
        while a < self.end:
            b = min((a // 86400 + 1) * 86400, self.end)
            windows.append((a, b))
            a = b
        return windows

    def months(self) -> list[tuple[int, int]]:
        """UTC months clipped to [start, end)."""
        windows, a = [], self.start
        while a < self.end:
            day = datetime.fromtimestamp(a, UTC).date().replace(day=1)
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            b = min(int(datetime(following.year, following.month, 1, tzinfo=UTC).timestamp()), self.end)
            windows.append((a, b))
            a = b
        return windows


class WorkCalendar:
    """When the simulated plant works (telemetry.simulator.Schedule), for arrays of epoch seconds."""

    def __init__(self, zone: ZoneInfo) -> None:
        from telemetry.simulator import Schedule

        self.zone = zone
        schedule = Schedule(zone=zone)
        self.weekdays = np.array(sorted(schedule.weekdays))
        self.spans = schedule._spans  # the shift spans less breaks, as seconds of the local day
        self._offsets: dict[int, int] = {}

    def offsets(self, ts: np.ndarray) -> np.ndarray:
        """UTC offsets in seconds, looked up per UTC quarter hour (every zone's changes fall on one)."""
        quarters, index = np.unique(ts // 900, return_inverse=True)
        values = []
        for q in quarters.tolist():
            value = self._offsets.get(q)
            if value is None:
                value = self._offsets[q] = int(
                    self.zone.utcoffset(datetime.fromtimestamp(q * 900, UTC)).total_seconds())
            values.append(value)
        return np.asarray(values, dtype=np.int64)[index]

    def working(self, ts: np.ndarray) -> np.ndarray:
        local = ts + self.offsets(ts)
        second = local % 86400
        weekday = (local // 86400 + 3) % 7  # 1970-01-01 was a Thursday
        inside = np.zeros(ts.shape, dtype=bool)
        for start, end in self.spans:
            inside |= (second >= start) & (second < end)
        return inside & np.isin(weekday, self.weekdays)


VOLT_KERNEL = 0.9 ** np.arange(60)  # the simulator's AR(1) voltage drift, truncated where 0.9^k < 0.2 %


class DeviceStream:
    """One machine's readings, window after window, from the simulator's own load segments.

    Like telemetry.simulator: the profile's segments (same seeded generator) are laid end to end in
    working time, the machine is off outside it, `power_w` is the load in force at ts and
    `energy_wh` the exact integral of the load up to ts on top of a starting total. The working-time
    clock and the sampling are numpy; only drawing the segments is Python (one call per segment)."""

    BLOCK = 20_000

    def __init__(self, profile: str, name: str, seed: int) -> None:
        from telemetry.simulator import PROFILES

        spec = PROFILES[profile]
        rng = random.Random(f"{profile}/{name}/{seed}/load")
        self.segments = spec.segments(rng)
        self.energy0 = rng.uniform(1e4, 5e5)  # drawn where the simulator draws it
        self.nominal_v = spec.nominal_v
        self.phase_factor = math.sqrt(3) if spec.phases == 3 else 1.0
        self.noise = np.random.default_rng(zlib.crc32(f"{profile}/{name}/{seed}/volts".encode()))
        self.noise_tail = np.zeros(VOLT_KERNEL.size - 1)
        self.worked = 0.0  # working seconds before the next window
        self.seg_start = np.zeros(0)
        self.seg_energy = np.zeros(0)  # energy of the segments before each segment
        self.seg_power = np.zeros(0)
        self.seg_pf = np.zeros(0)
        self.horizon = 0.0
        self.horizon_energy = 0.0

    def _extend(self, need: float) -> None:
        while self.horizon <= need:
            block = np.array(list(itertools.islice(self.segments, self.BLOCK)), dtype=np.float64)
            seconds, power = block[:, 0], block[:, 1]
            ends = np.cumsum(seconds)
            energies = np.cumsum(seconds * power) / 3600.0
            starts = self.horizon + np.concatenate(([0.0], ends[:-1]))
            before = self.horizon_energy + np.concatenate(([0.0], energies[:-1]))
            self.seg_start = np.concatenate((self.seg_start, starts))
            self.seg_energy = np.concatenate((self.seg_energy, before))
            self.seg_power = np.concatenate((self.seg_power, power))
            self.seg_pf = np.concatenate((self.seg_pf, block[:, 2]))
            self.horizon += ends[-1]
            self.horizon_energy += energies[-1]

    def window(self, working: np.ndarray, interval: int) -> tuple[np.ndarray, ...]:
        """(power_w, energy_wh, voltage_v, current_a, power_factor) at the window's samples."""
        step = working * float(interval)
        clock = self.worked + np.cumsum(step) - step  # working seconds before each sample
        self._extend(clock[-1] + interval)
        j = np.searchsorted(self.seg_start, clock, side="right") - 1
        load = self.seg_power[j]
        energy = np.round(self.energy0 + self.seg_energy[j] + load * (clock - self.seg_start[j]) / 3600.0, 3)
        power = np.where(working, np.round(load, 1), 0.0)
        pf = np.where(working, np.round(self.seg_pf[j], 3), 0.0)
        self.worked = float(clock[-1] + step[-1])
        keep = max(int(np.searchsorted(self.seg_start, self.worked, side="right")) - 1, 0)
        if keep:
            self.seg_start, self.seg_energy = self.seg_start[keep:], self.seg_energy[keep:]
            self.seg_power, self.seg_pf = self.seg_power[keep:], self.seg_pf[keep:]
        noise = np.concatenate((self.noise_tail, self.noise.normal(0.0, 0.003, working.size)))
        self.noise_tail = noise[-(VOLT_KERNEL.size - 1):]
        drift = np.clip(np.convolve(noise, VOLT_KERNEL, mode="valid"), -0.02, 0.02)
        volts = np.round(self.nominal_v * (1.0 + drift), 1)
        amps = np.zeros(working.size)
        live = (power > 0) & (pf > 0)
        amps[live] = np.round(power[live] / (volts[live] * pf[live] * self.phase_factor), 3)
        return power, energy, volts, amps, pf


ROW = np.dtype([("fields", ">i2"),
                ("l_tenant", ">i4"), ("tenant_id", ">i8"), ("l_device", ">i4"), ("device_id", ">i8"),
                ("l_ts", ">i4"), ("ts", ">i8"), ("l_received", ">i4"), ("received_at", ">i8"),
                ("l_power", ">i4"), ("power_w", ">f8"), ("l_energy", ">i4"), ("energy_wh", ">f8"),
                ("l_voltage", ">i4"), ("voltage_v", ">f8"), ("l_current", ">i4"), ("current_a", ">f8"),
                ("l_pf", ">i4"), ("power_factor", ">f8"), ("l_extra", ">i4")])  # extra: NULL
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
COPY_TRAILER = b"\xff\xff"
COPY_SQL = f"COPY readings ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"


@dataclass
class Fleet:
    """The tenant's devices and the streams that generate their readings."""

    tenant_id: int
    device_ids: list[int]
    profiles: list[str]
    streams: list[DeviceStream]
    calendar: WorkCalendar
    last_power: list[float] = field(default_factory=list)  # of the newest window

    def window(self, a: int, b: int, interval: int) -> tuple[np.ndarray, list[tuple[np.ndarray, ...]]]:
        ts = np.arange(a, b, interval, dtype=np.int64)
        working = self.calendar.working(ts)
        values = [stream.window(working, interval) for stream in self.streams]
        self.last_power = [float(power[-1]) for power, *_rest in values]
        return ts, values

    def copy_rows(self, ts: np.ndarray, values: list[tuple[np.ndarray, ...]]) -> bytes:
        """The window's rows in PostgreSQL's binary COPY format, ordered by ts, then device."""
        rows = np.empty((ts.size, len(self.device_ids)), dtype=ROW)
        rows["fields"] = len(COLUMNS)
        for name in ROW.names:
            if name.startswith("l_"):
                rows[name] = 8
        rows["l_extra"] = -1
        rows["tenant_id"] = self.tenant_id
        rows["device_id"] = np.asarray(self.device_ids, dtype=np.int64)[None, :]
        micros = (ts - PG_EPOCH) * 1_000_000
        rows["ts"] = micros[:, None]
        rows["received_at"] = micros[:, None] + 2_000_000  # stored two seconds after it was measured
        for d, (power, energy, volts, amps, pf) in enumerate(values):
            rows["power_w"][:, d] = power
            rows["energy_wh"][:, d] = energy
            rows["voltage_v"][:, d] = volts
            rows["current_a"][:, d] = amps
            rows["power_factor"][:, d] = pf
        return rows.tobytes()


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def load_readings(admin_url: str, fleet: Fleet, plan: Plan) -> dict:
    """Generate and COPY every day of the plan; generation (this thread) overlaps the COPY (a writer
    thread; PostgreSQL does the work in its own process)."""
    import psycopg

    chunks: queue.Queue = queue.Queue(maxsize=4)
    done: dict = {"rows": 0, "copy_s": 0.0}
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            with psycopg.connect(plain_url(admin_url)) as connection:
                # the bench data is consistent by construction: skip the per-row foreign-key trigger
                connection.execute("SET session_replication_role = replica")
                while True:
                    item = chunks.get()
                    if item is None:
                        break
                    began = time.perf_counter()
                    with connection.cursor() as cursor:
                        with cursor.copy(COPY_SQL) as copy:
                            copy.write(COPY_HEADER + item + COPY_TRAILER)
                        done["rows"] += cursor.rowcount
                    connection.commit()
                    done["copy_s"] += time.perf_counter() - began
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller
            failure.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    days = plan.days()
    started = time.monotonic()
    cpu_before = os.times()
    generated = 0
    try:
        for number, (a, b) in enumerate(days, 1):
            ts, values = fleet.window(a, b, plan.interval)
            data = fleet.copy_rows(ts, values)
            generated += ts.size * len(fleet.device_ids)
            while not failure:
                try:
                    chunks.put(data, timeout=1.0)
                    break
                except queue.Full:
                    continue
            if failure:
                break
            if number % 30 == 0 or number == len(days):
                elapsed = time.monotonic() - started
                log(f"  {number}/{len(days)} days, {generated:,} rows generated, {elapsed:.0f} s "
                    f"({generated / elapsed:,.0f} rows/s)")
    finally:
        chunks.put(None)
        thread.join()
    if failure:
        raise RuntimeError(f"COPY failed: {failure[0]!r}")
    cpu_after = os.times()
    wall = time.monotonic() - started
    return {"rows": done["rows"], "seconds": wall, "rows_per_s": done["rows"] / wall, "copy_s": done["copy_s"],
            "generate_cpu_s": (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)}


# -------------------------------------------------------------------------------------------- setup

def create_tenant(app_url: str, admin_url: str, devices: int, zone: str) -> tuple[int, list[int], list[str], list[str]]:
    """Tenant and devices (bench/ingest.py's fixture), then thresholds per profile, a time-of-use
    tariff, a shift calendar and API keys. Returns tenant id, device ids, profiles and API keys."""
    import psycopg

    from telemetry import plant, registry
    from tenants import apikeys
    from tenants.db import Database
    from tenants.scoping import tenant_context

    fixture = create_fixture(app_url, devices)
    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:  # the fixture's zone is Berlin
        connection.execute("UPDATE tenants SET timezone = %s WHERE id = %s", (zone, fixture.tenant_id))
    profiles = [PROFILE_CYCLE[n % len(PROFILE_CYCLE)] for n in range(devices)]
    database = Database(app_url)
    try:
        with tenant_context(fixture.tenant_id), database.session() as session:
            for n, (device_id, profile) in enumerate(zip(fixture.device_ids, profiles)):
                off, run = THRESHOLDS[profile]
                registry.update_device(session, device_id, {
                    "name": f"{profile}-{n:03d}", "kind": "din_rail", "site": "Plant 1", "line": f"Line {n % 5 + 1}",
                    "off_below_w": off, "run_above_w": run})
            plant.set_tariff(session, 0.30, [{"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 0.18}])
            plant.set_shifts(session, [{"weekday": d, "start": "06:00", "end": "22:00"} for d in range(5)])
            # the API allows 600 requests a minute per key (per worker): a key per 50 requests
            keys = [apikeys.create_key(session, f"bench {n}")[1] for n in range(40)]
    finally:
        database.dispose()
    return fixture.tenant_id, fixture.device_ids, profiles, keys


def set_live_state(admin_url: str, fleet: Fleet, plan: Plan) -> None:
    """What ingest keeps per device (last reading, its power and state), for the overview."""
    import psycopg

    from telemetry.analytics import DeviceSettings, state_of

    names = {0: "running", 1: "idle", 2: "off"}
    last = datetime.fromtimestamp(plan.end - plan.interval, UTC)
    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
        for device_id, profile, power in zip(fleet.device_ids, fleet.profiles, fleet.last_power):
            off, run = THRESHOLDS[profile]
            state = names[state_of(power, DeviceSettings(off, run, 300))]
            connection.execute(
                "UPDATE devices SET last_reading_at = %s, last_seen_at = %s, last_power_w = %s, state = %s, "
                "state_since = %s WHERE id = %s",
                (last, last + timedelta(seconds=2), power, state, last, device_id))


def storage(admin_url: str, readings: int) -> dict:
    import psycopg

    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
        def size(sql: str) -> int:
            return int(connection.execute(sql).fetchone()[0] or 0)

        parts = "SELECT inhrelid FROM pg_inherits WHERE inhparent = 'readings'::regclass"
        heap = size(f"SELECT sum(pg_table_size(r)) FROM ({parts}) p(r)")
        index = size(f"SELECT sum(pg_indexes_size(r)) FROM ({parts}) p(r)")
        total = size(f"SELECT sum(pg_total_relation_size(r)) FROM ({parts}) p(r)")
        rollups = size("SELECT count(*) FROM rollups")
        rollup_total = size("SELECT pg_total_relation_size('rollups')")
        rollup_index = size("SELECT pg_indexes_size('rollups')")
    return {"readings": readings, "readings_table_bytes": heap, "readings_index_bytes": index,
            "readings_total_bytes": total, "bytes_per_reading": total / readings if readings else 0.0,
            "table_bytes_per_reading": heap / readings if readings else 0.0,
            "index_bytes_per_reading": index / readings if readings else 0.0,
            "rollups": rollups, "rollups_total_bytes": rollup_total, "rollups_index_bytes": rollup_index,
            "bytes_per_rollup": rollup_total / rollups if rollups else 0.0}


def maintenance(admin_url: str) -> float:
    """VACUUM (ANALYZE) readings as autovacuum would after a bulk load: statistics for the planner and
    the visibility map; returns seconds."""
    import psycopg

    began = time.monotonic()
    with psycopg.connect(plain_url(admin_url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) readings")
        connection.execute("VACUUM (ANALYZE) rollups")
    return time.monotonic() - began


# ------------------------------------------------------------------------------------------- settle

def settle_history(app_url: str, database_name: str, fleet: Fleet, plan: Plan) -> dict:
    """Roll the whole history up through the real code, month window by month window: mark the
    device's month dirty, settle it, commit (what the settle job does per device)."""
    from telemetry.models import Device
    from telemetry.rollups import mark_dirty
    from telemetry.settling import settle_devices
    from tenants.db import Database
    from tenants.scoping import tenant_context

    database = Database(app_url)
    meter = CpuMeter(None, database_name)
    written = 0
    per_month = []
    try:
        meter.start()
        cpu_before = os.times()
        started = time.monotonic()
        for a, b in plan.months():
            first = datetime.fromtimestamp(a, UTC)
            last = datetime.fromtimestamp(b - plan.interval, UTC)
            month_began = time.monotonic()
            with tenant_context(fleet.tenant_id):
                for device_id in fleet.device_ids:
                    with database.session() as session:
                        device = session.get(Device, device_id)
                        mark_dirty(session, {device_id: (first, last)})
                        written += settle_devices(session, [device])
            seconds = time.monotonic() - month_began
            readings = (b - a) // plan.interval * len(fleet.device_ids)
            per_month.append(seconds)
            log(f"  {first:%Y-%m}: {readings:,} readings settled in {seconds:.1f} s ({readings / seconds:,.0f}/s)")
        wall = time.monotonic() - started
        cpu_after = os.times()
        cpu = meter.stop()
    finally:
        database.dispose()
    readings = (plan.end - plan.start) // plan.interval * len(fleet.device_ids)
    return {"readings": readings, "buckets_written": written, "seconds": wall, "readings_per_s": readings / wall,
            "python_cpu_s": (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system),
            "postgres_cpu_s": cpu["postgres"], "month_seconds": per_month}


def append_live(app_url: str, fleet: Fleet, cursor: list[int], interval: int, count: int) -> int:
    """`count` new readings per device after the stored ones, through the ingest storage path
    (insert_readings + mark_dirty, as the app role); returns how many were stored."""
    from telemetry.rollups import mark_dirty
    from telemetry.storage import insert_readings
    from tenants.scoping import tenant_context

    a = cursor[0]
    b = a + count * interval
    ts, values = fleet.window(a, b, interval)
    cursor[0] = b
    stamps = [datetime.fromtimestamp(int(t), UTC) for t in ts]
    received = datetime.now(UTC)
    rows = []
    for device_id, (power, energy, volts, amps, pf) in zip(fleet.device_ids, values):
        for k, moment in enumerate(stamps):
            rows.append({"tenant_id": fleet.tenant_id, "device_id": device_id, "ts": moment, "received_at": received,
                         "power_w": float(power[k]), "energy_wh": float(energy[k]), "voltage_v": float(volts[k]),
                         "current_a": float(amps[k]), "power_factor": float(pf[k]), "extra": None})
    database = _database(app_url)
    with tenant_context(fleet.tenant_id), database.session() as session:
        inserted = insert_readings(session, rows)
        spans: dict[int, list[datetime]] = defaultdict(list)
        for device_id, moment, _power in inserted:
            spans[device_id].append(moment)
        mark_dirty(session, {d: (min(m), max(m)) for d, m in spans.items()})
    return len(inserted)


_DATABASES: dict = {}


def _database(url: str):
    from tenants.db import Database

    if url not in _DATABASES:
        _DATABASES[url] = Database(url)
    return _DATABASES[url]


def live_settle(app_url: str, fleet: Fleet, cursor: list[int], interval: int, rounds: int) -> list[dict]:
    """New readings for every device, then the settle_rollups job, timed; per batch size."""
    from jobs.registry import settle_rollups

    database = _database(app_url)
    results = []
    for batch in (1, 10):
        times, stored = [], 0
        for _ in range(rounds):
            stored += append_live(app_url, fleet, cursor, interval, batch)
            began = time.perf_counter()
            settle_rollups(database)
            times.append(time.perf_counter() - began)
        readings = batch * len(fleet.device_ids)
        median = sorted(times)[len(times) // 2]
        results.append({"batch": batch, "devices": len(fleet.device_ids), "rounds": rounds, "stored": stored,
                        "median_s": median, "per_device_ms": median / len(fleet.device_ids) * 1000,
                        "readings_per_s": readings / median})
        log(f"  {batch} new reading(s) per device: settle_rollups {median * 1000:.0f} ms for {readings} readings "
            f"({median / len(fleet.device_ids) * 1000:.1f} ms per device, {readings / median:,.0f} readings/s)")
    return results


# --------------------------------------------------------------------------------------------- HTTP

class Client:
    """Sequential GETs over one keep-alive connection, API keys in turn."""

    def __init__(self, port: int, keys: list[str]) -> None:
        self.port, self.keys = port, itertools.cycle(keys)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> tuple[float, dict]:
        headers = {"Authorization": f"Bearer {next(self.keys)}", "Accept": "application/json"}
        for attempt in range(2):
            try:
                began = time.perf_counter()
                self.connection.request("GET", path, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - began
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}: {body[:300]!r}")
        return elapsed, json.loads(body)

    def close(self) -> None:
        self.connection.close()


def stats(seconds: list[float]) -> dict:
    values = sorted(seconds)
    return {"n": len(values), "p50_ms": _percentile(values, 50) * 1000, "p95_ms": _percentile(values, 95) * 1000,
            "mean_ms": sum(values) / len(values) * 1000 if values else 0.0,
            "max_ms": values[-1] * 1000 if values else 0.0}


@dataclass
class Calls:
    """The two dashboard calls: today's overview and a device's daily series over the last days."""

    today: date
    series_days: int
    device_ids: list[int]
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def overview(self) -> str:
        return "/api/v1/overview"

    def series(self, device_id: int | None = None) -> tuple[int, str]:
        device_id = device_id if device_id is not None else self.rng.choice(self.device_ids)
        first = self.today - timedelta(days=self.series_days - 1)
        return device_id, (f"/api/v1/devices/{device_id}/series?from={first.isoformat()}&to={self.today.isoformat()}"
                           f"&resolution=day")


def measure_api(client: Client, calls: Calls, requests: int, warmup: int) -> dict:
    results: dict = {}
    for _ in range(warmup):
        client.get(calls.overview())
    times = []
    for _ in range(requests):
        elapsed, body = client.get(calls.overview())
        times.append(elapsed)
    results["overview"] = stats(times)
    results["overview_body"] = body
    log(f"  overview: p50 {results['overview']['p50_ms']:.1f} ms, p95 {results['overview']['p95_ms']:.1f} ms "
        f"({len(body['machines'])} machines)")
    for _ in range(warmup):
        client.get(calls.series()[1])
    times, bodies = [], {}
    for _ in range(requests):
        device_id, path = calls.series()
        elapsed, body = client.get(path)
        times.append(elapsed)
        bodies[device_id] = body
    results["series"] = stats(times)
    results["series_bodies"] = bodies
    log(f"  series ({calls.series_days} days, resolution=day): p50 {results['series']['p50_ms']:.1f} ms, "
        f"p95 {results['series']['p95_ms']:.1f} ms ({len(body['buckets'])} buckets)")
    return results


def profile_workers(server: Server, client: Client, calls: Calls, out: str, requests: int) -> dict:
    """py-spy on the gunicorn master and its workers while overview and series requests run."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        log("  py-spy is not installed (.venv/bin/pip install -r bench/requirements.txt): no profile")
        return {}
    process = subprocess.Popen([spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--rate", "250",
                                "--format", "raw", "--output", out, "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(2.0)
        for _ in range(requests):
            client.get(calls.overview())
            client.get(calls.series()[1])
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return hot_functions(out)


def hot_functions(path: str, top: int = 15) -> dict:
    """From py-spy's collapsed stacks of request-serving threads: the project's own functions by
    inclusive share, and every function by self share (where the CPU actually went)."""
    inclusive, own, total = Counter(), Counter(), 0
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "handle_request" not in stack:
            continue  # idle workers, the master, the keep-alive poller
        frames = []
        for frame in stack.split(";"):
            name, _, where = frame.partition(" (")
            frames.append(f"{name} ({where.split(':')[0].replace(str(ROOT) + '/', '')})")
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return {}
    project = [f for f, _ in inclusive.most_common() if any(f"({p}/" in f for p in
                                                           ("telemetry", "blueprints", "web", "tenants"))]
    return {"samples": total,
            "inclusive": [(inclusive[f] / total * 100, f) for f in project[:top]],
            "self": [(own[f] / total * 100, f) for f, _ in own.most_common(top)]}


# ----------------------------------------------------------------------------------------- raw scans

RAW_INTERVALS = """
    WITH r AS (
        SELECT r.device_id, r.ts, r.power_w, r.energy_wh,
               lead(r.ts) OVER w AS ts_j, lead(r.energy_wh) OVER w AS e_j
        FROM readings r
        WHERE {where} AND r.ts >= %(lo)s - interval '1 hour' AND r.ts < %(hi)s + interval '1 hour'
        WINDOW w AS (PARTITION BY r.device_id ORDER BY r.ts)
    ), iv AS (
        SELECT r.device_id, r.ts, r.power_w, d.off_below_w, d.run_above_w,
               extract(epoch FROM r.ts_j - r.ts) AS dt,
               CASE WHEN r.e_j >= r.energy_wh THEN r.e_j - r.energy_wh ELSE r.e_j END AS wh,
               extract(epoch FROM least(r.ts_j, %(hi)s) - greatest(r.ts, %(lo)s)) AS inside,
               greatest(extract(epoch FROM least(r.ts + make_interval(secs => d.max_gap_s), r.ts_j, %(hi)s, now())
                                - greatest(r.ts, %(lo)s)), 0) AS held
        FROM r JOIN devices d ON d.id = r.device_id
        WHERE (r.ts_j > %(lo)s OR r.ts_j IS NULL) AND r.ts < %(hi)s
    )
"""
RAW_FIGURES = """
    coalesce(sum(CASE WHEN wh IS NOT NULL THEN wh * inside / dt ELSE power_w * held / 3600 END), 0) AS energy_wh,
    coalesce(sum(held) FILTER (WHERE power_w >= run_above_w), 0) AS running_s,
    coalesce(sum(held) FILTER (WHERE power_w >= off_below_w AND power_w < run_above_w), 0) AS idle_s,
    coalesce(sum(held) FILTER (WHERE power_w < off_below_w), 0) AS off_s
"""
RAW_OVERVIEW = RAW_INTERVALS.format(where="TRUE") + f"""
    SELECT device_id, {RAW_FIGURES} FROM iv GROUP BY device_id ORDER BY device_id
"""
RAW_SERIES = RAW_INTERVALS.format(where="r.device_id = %(device)s") + f"""
    SELECT (greatest(ts, %(lo)s) AT TIME ZONE %(zone)s)::date AS day, {RAW_FIGURES}
    FROM iv GROUP BY 1 ORDER BY 1
"""


def measure_raw(app_url: str, tenant_id: int, calls: Calls, zone: ZoneInfo, repeats: int) -> dict:
    """The straightforward scans, as the app role (row-level security on, as for the API)."""
    import psycopg

    from tenants.clock import day_bounds

    results: dict = {}
    day_lo, day_hi = day_bounds(calls.today, zone)
    series_lo, _ = day_bounds(calls.today - timedelta(days=calls.series_days - 1), zone)
    with psycopg.connect(plain_url(app_url), autocommit=True) as connection:
        connection.execute("SELECT set_config('app.tenant_id', %s, false)", (str(tenant_id),))
        params = {"lo": day_lo, "hi": day_hi}
        began = time.perf_counter()
        rows = connection.execute(RAW_OVERVIEW, params).fetchall()  # the first run reads today's pages
        results["overview_first_ms"] = (time.perf_counter() - began) * 1000
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            rows = connection.execute(RAW_OVERVIEW, params).fetchall()
            times.append(time.perf_counter() - began)
        results["overview"] = stats(times)
        results["overview_rows"] = {row[0]: row[1:] for row in rows}
        log(f"  raw overview: p50 {results['overview']['p50_ms']:.1f} ms, p95 {results['overview']['p95_ms']:.1f} ms")
        plan = connection.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + RAW_OVERVIEW, params).fetchall()
        results["overview_plan"] = [row[0] for row in plan]
        # each random device twice in a row: the first run reads its 30 days of pages from wherever they
        # are (PostgreSQL's buffers hold 128 MB; the rest is the OS page cache, or the disk), the second
        # finds them cached. The speed-ups use the warm runs: the rollups the API reads are always cached.
        first, warm, bodies = [], [], {}
        for _ in range(repeats):
            device_id = calls.series()[0]
            params = {"lo": series_lo, "hi": day_hi, "zone": zone.key, "device": device_id}
            for lane in (first, warm):
                began = time.perf_counter()
                rows = connection.execute(RAW_SERIES, params).fetchall()
                lane.append(time.perf_counter() - began)
            bodies[device_id] = rows
        results["series"] = stats(warm)
        results["series_first"] = stats(first)
        results["series_rows"] = bodies
        log(f"  raw series: p50 {results['series']['p50_ms']:.1f} ms, p95 {results['series']['p95_ms']:.1f} ms "
            f"(warm); first run per device p50 {results['series_first']['p50_ms']:.1f} ms, "
            f"p95 {results['series_first']['p95_ms']:.1f} ms")
        plan = connection.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + RAW_SERIES, params).fetchall()
        results["series_plan"] = [row[0] for row in plan]
    return results


def agreement(api: dict, raw: dict) -> dict:
    """How far the raw scan's figures are from the API's (the raw scan attributes an interval that
    crosses local midnight to the day it starts in)."""
    worst_energy, worst_seconds = 0.0, 0.0
    for machine in api["overview_body"]["machines"]:
        row = raw["overview_rows"].get(machine["id"])
        if row is None:
            continue
        energy, running, idle, _off = (float(x) for x in row)
        if machine["energy_wh"]:
            worst_energy = max(worst_energy, abs(energy - machine["energy_wh"]) / machine["energy_wh"])
        worst_seconds = max(worst_seconds, abs(running - machine["running_s"]), abs(idle - machine["idle_s"]))
    series_energy, series_seconds = 0.0, 0.0
    for device_id, rows in raw["series_rows"].items():
        body = api["series_bodies"].get(device_id)
        if body is None:
            continue
        by_day = {b["start"][:10]: b for b in body["buckets"]}
        for day, energy, running, idle, off in rows:
            bucket = by_day.get(day.isoformat())
            if bucket is None:
                continue
            if bucket["energy_wh"]:
                series_energy = max(series_energy, abs(float(energy) - bucket["energy_wh"]) / bucket["energy_wh"])
            series_seconds = max(series_seconds, abs(float(running) - bucket["running_s"]),
                                 abs(float(idle) - bucket["idle_s"]), abs(float(off) - bucket["off_s"]))
    return {"overview_energy_rel": worst_energy, "overview_state_s": worst_seconds,
            "series_energy_rel": series_energy, "series_state_s": series_seconds}


def dirty_overview(client: Client, calls: Calls, app_url: str, fleet: Fleet, cursor: list[int], interval: int,
                   requests: int) -> dict:
    """The overview when every device has one unsettled reading (the request settles them first)."""
    times = []
    for _ in range(requests):
        append_live(app_url, fleet, cursor, interval, 1)
        elapsed, _body = client.get(calls.overview())
        times.append(elapsed)
    result = stats(times)
    log(f"  overview with {len(fleet.device_ids)} dirty devices: p50 {result['p50_ms']:.1f} ms, "
        f"p95 {result['p95_ms']:.1f} ms")
    return result


# ------------------------------------------------------------------------------------------- report

def report(results: dict, args: argparse.Namespace) -> None:
    load, settle, space, api, raw = (results.get(k) for k in ("load", "settle", "storage", "api", "raw"))
    log("")
    log(f"dashboard benchmark: {args.devices} devices x {args.days} days of {args.interval}-s readings, "
        f"{os.cpu_count()} cores, load average {results['loadavg_start']} at start, "
        f"{results.get('loadavg_api')} before the API phase, {results.get('loadavg_end')} at end")
    if load:
        log(f"  load      {load['rows']:,} readings in {load['seconds']:.0f} s ({load['rows_per_s']:,.0f} rows/s), "
            f"VACUUM ANALYZE {results.get('vacuum_s', 0):.0f} s")
    if settle:
        log(f"  settle    {settle['readings']:,} readings -> {settle['buckets_written']:,} quarter rollups in "
            f"{settle['seconds']:.0f} s = {settle['readings_per_s']:,.0f} readings/s "
            f"(Python {settle['python_cpu_s']:.0f} s CPU, PostgreSQL {settle['postgres_cpu_s']:.0f} s CPU)")
    for row in results.get("live", []):
        log(f"  live      {row['batch']} new reading(s)/device, {row['devices']} devices: settle_rollups "
            f"{row['median_s'] * 1000:.0f} ms = {row['per_device_ms']:.1f} ms/device = "
            f"{row['readings_per_s']:,.0f} readings/s")
    if space:
        log(f"  storage   readings {space['bytes_per_reading']:.1f} B/reading "
            f"(table {space['table_bytes_per_reading']:.1f} + indexes {space['index_bytes_per_reading']:.1f}) = "
            f"{space['bytes_per_reading'] / VALUES_PER_READING:.1f} "
            f"B/value of {VALUES_PER_READING}; rollups {space['bytes_per_rollup']:.1f} B/bucket "
            f"({space['rollups']:,} buckets)")
        for name, value, unit in ANCHORS:
            log(f"            anchor: {name} ~{value:.0f} B {unit}")
    if api and raw:
        log("")
        log(f"  {'call':44} {'p50 ms':>9} {'p95 ms':>9}  {'raw p50':>9} {'raw p95':>9}  "
            f"{'x p50':>7} {'x p95':>7}  target")
        for key, label, target in (("overview", "GET /api/v1/overview (today)", TARGETS["overview_p95_ms"]),
                                   ("series", f"GET .../series {args.series_days} days, day",
                                    TARGETS["series_p95_ms"])):
            a, r = api[key], raw[key]
            log(f"  {label:44} {a['p50_ms']:9.1f} {a['p95_ms']:9.1f}  {r['p50_ms']:9.1f} {r['p95_ms']:9.1f}  "
                f"{r['p50_ms'] / a['p50_ms']:7.1f} {r['p95_ms'] / a['p95_ms']:7.1f}  p95 < {target:.0f} ms, >= 50x")
        first = raw.get("series_first")
        if first:
            a = api["series"]
            log(f"  {'  raw series, first run per device (cold-ish)':44} {'':9} {'':9}  {first['p50_ms']:9.1f} "
                f"{first['p95_ms']:9.1f}  {first['p50_ms'] / a['p50_ms']:7.1f} {first['p95_ms'] / a['p95_ms']:7.1f}")
        if "dirty_overview" in results:
            d = results["dirty_overview"]
            log(f"  {'overview, every device 1 unsettled reading':44} {d['p50_ms']:9.1f} {d['p95_ms']:9.1f}")
        agree = results.get("agreement", {})
        if agree:
            log(f"  raw scan vs API: energy within {agree['overview_energy_rel'] * 100:.3f} % (overview), "
                f"{agree['series_energy_rel'] * 100:.3f} % (series); state seconds within "
                f"{agree['overview_state_s']:.0f} s / {agree['series_state_s']:.0f} s")
    profile = results.get("profile") or {}
    if profile:
        log("")
        log(f"  py-spy, {profile['samples']} samples of request-serving threads: project functions (inclusive)")
        for pct, frame in profile["inclusive"]:
            log(f"    {pct:5.1f} %  {frame}")
        log("  self time")
        for pct, frame in profile["self"]:
            log(f"    {pct:5.1f} %  {frame}")


# --------------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    os.environ["TEST_DATABASE_URL"] = args.database_url  # tests/support/databases.py makes the throw-away database
    from sqlalchemy.engine import make_url

    from tests.support.databases import create_test_database

    zone = ZoneInfo(args.timezone)
    results: dict = {"loadavg_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                     "args": {k: v for k, v in vars(args).items() if k != "database_url"}}
    # the history ends an hour ago: the live phase appends after it without reaching `now`
    end = (int(time.time()) - 3600) // args.interval * args.interval
    plan = Plan(start=end - args.days * 86400, end=end, interval=args.interval, zone=zone)
    server: Server | None = None
    client: Client | None = None
    database = None
    workdir = tempfile.TemporaryDirectory(prefix="df-dashboard-")
    log_path = args.log_path or str(Path(workdir.name) / "gunicorn.log")
    try:
        log("setting up a throw-away database ...")
        database = create_test_database(Path(workdir.name))
        database_name = make_url(database.admin_url).database
        tenant_id, device_ids, profiles, keys = create_tenant(database.url, database.admin_url, args.devices,
                                                              args.timezone)
        streams = [DeviceStream(p, f"{p}-{n:03d}", args.seed) for n, p in enumerate(profiles)]
        fleet = Fleet(tenant_id, device_ids, profiles, streams, WorkCalendar(zone))
        log(f"  database {database_name}: tenant {tenant_id}, {len(device_ids)} devices "
            f"({', '.join(f'{n} {p}' for p, n in Counter(profiles).items())})")

        rows = len(device_ids) * (plan.end - plan.start) // plan.interval
        log(f"load: {rows:,} readings from {datetime.fromtimestamp(plan.start, UTC):%Y-%m-%d %H:%M} to "
            f"{datetime.fromtimestamp(plan.end, UTC):%Y-%m-%d %H:%M} UTC, binary COPY per day")
        results["load"] = load_readings(database.admin_url, fleet, plan)
        set_live_state(database.admin_url, fleet, plan)
        log("VACUUM (ANALYZE) readings ...")
        results["vacuum_s"] = maintenance(database.admin_url)

        log("settle: month windows through rollups.mark_dirty + settling.settle_devices")
        results["settle"] = settle_history(database.url, database_name, fleet, plan)
        from jobs.registry import settle_rollups
        left = settle_rollups(_database(database.url))
        if left:
            log(f"  the settle job found {left} more buckets to write")
        results["vacuum_s"] += maintenance(database.admin_url)
        results["storage"] = storage(database.admin_url, results["load"]["rows"])

        log("api: gunicorn with gunicorn.conf.py as the app role")
        server = Server("app:app", server_env(args, database.url), log_path)
        server.wait_ready("/healthz")
        client = Client(server.port, keys)
        calls = Calls(datetime.fromtimestamp(plan.end - plan.interval, zone).date(), args.series_days, device_ids)
        results["loadavg_api"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        log(f"  load average {results['loadavg_api']}")
        api = measure_api(client, calls, args.requests, args.warmup)
        results["api"] = {k: v for k, v in api.items() if not k.endswith(("_body", "_bodies"))}

        log("raw: the same figures from a SQL scan of the readings")
        calls.rng = random.Random(2)
        raw = measure_raw(database.url, tenant_id, calls, zone, args.raw_repeats)
        results["raw"] = {k: v for k, v in raw.items()
                          if k in ("overview", "series", "series_first", "overview_first_ms")}
        results["raw_plans"] = {"overview": raw["overview_plan"], "series": raw["series_plan"]}
        results["agreement"] = agreement(api, raw)

        if args.py_spy:
            log(f"profile: py-spy on the workers during {args.requests // 2} overview + series requests")
            results["profile"] = profile_workers(server, client, calls, args.py_spy, max(args.requests // 2, 20))

        cursor = [plan.end]
        if args.dirty_requests:
            log("overview while every device has an unsettled reading")
            results["dirty_overview"] = dirty_overview(client, calls, database.url, fleet, cursor, args.interval,
                                                       args.dirty_requests)
        if args.live_rounds:
            log("live: new readings for every device, then the settle_rollups job")
            results["live"] = live_settle(database.url, fleet, cursor, args.interval, args.live_rounds)

        results["loadavg_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        report(results, args)
        if args.json_path:
            results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
            Path(args.json_path).write_text(json.dumps(results, indent=2, default=str) + "\n")
        return 0
    except (KeyboardInterrupt, Stop) as exc:
        print(f"interrupted ({exc}); cleaning up", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
        if server is not None:
            server.stop()
        for db in _DATABASES.values():
            db.dispose()
        _DATABASES.clear()
        if database is not None:
            try:
                database.drop()
            except Exception as exc:  # noqa: BLE001 - best effort, but say so
                print(f"could not drop the bench database: {exc}", file=sys.stderr)
        workdir.cleanup()


if __name__ == "__main__":
    sys.exit(main())
