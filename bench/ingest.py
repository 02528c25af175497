"""Ingest benchmark: gunicorn (the project's gunicorn.conf.py) on PostgreSQL, load from wrk on loopback.

Measures in one run, each for a fixed time after a warm-up:
  (a) hello  - a bare Flask "hello" route (bench/hello_app.py) under the same gunicorn config
  (b) single - one reading per request to POST /api/v1/readings (device tokens, round robin)
  (c) batch  - 500 readings per request to POST /api/v1/readings
  (d) copy   - raw PostgreSQL COPY of the same rows in the same batches, no HTTP, no app
and prints requests/s, readings/s, p50/p99 latency, the ratios b/a and c/d, worker RSS and the
CPU time each side (gunicorn, PostgreSQL, load generator) spent per request.

It creates its own throw-away database and app role (tests/support/databases.py), a tenant with
many devices and tokens, and drops everything again at the end, also on error or Ctrl-C.
See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.influx_peer import WRITE_PATH, Influxd, have_influxd  # noqa: E402
from bench.processes import stop_group  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOUR_MS = 3_600_000
GENEROUS_LIMIT = "1000000/minute"
COLUMNS = ("tenant_id", "device_id", "ts", "received_at", "power_w", "energy_wh", "voltage_v", "current_a",
           "power_factor", "extra")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Stop(Exception):
    """SIGTERM/SIGHUP: unwind so that the finally blocks clean up."""


def _on_signal(signum, _frame):
    raise Stop(f"signal {signum}")


def add_shared_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark takes: the database, gunicorn's workers and threads, the
    rate-limit storage, and where the JSON results and gunicorn's error log go."""
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL superuser URL; a throw-away database and role are created beside it")
    parser.add_argument("--workers", type=int, default=None,
                        help="WEB_CONCURRENCY for gunicorn (default: the environment's, else gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=None,
                        help="GUNICORN_THREADS (default: the environment's, else gunicorn.conf.py's)")
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the app's rate-limit storage (default: memory)")
    parser.add_argument("--json", dest="json_path", help="also write the results as JSON to this file")
    parser.add_argument("--log", dest="log_path",
                        help="keep gunicorn's error log in this file (default: a temporary file)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_shared_arguments(parser)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per phase (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up per phase (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: it has 2 cores to share)")
    parser.add_argument("--devices", type=int, default=2000, help="devices, each with its own token (default 2000)")
    parser.add_argument("--batch", type=int, default=500, help="readings per batch request and COPY (default 500)")
    parser.add_argument("--copy-connections", type=int, default=2, help="parallel COPY connections (default 2)")
    parser.add_argument("--phases", default="hello,single,hot,batch,copy,lines,lines-batch,influx,influx-batch",
                        help="comma-separated subset of hello,single,hot,batch,copy,lines,lines-batch,influx,"
                             "influx-batch")
    parser.add_argument("--hot-devices", type=int, default=100,
                        help="devices of the (b') phase: few, so each posts again within the credential cache's "
                             "lifetime (default 100)")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------- setup

@dataclass
class Fixture:
    tenant_id: int
    device_ids: list[int]
    tokens: list[str]


def create_fixture(app_url: str, devices: int) -> Fixture:
    """A tenant with `devices` active devices, each with its own token, made through the domain code."""
    from telemetry import registry
    from tenants import accounts
    from tenants.db import Database
    from tenants.passwords import use_cheap_hashing
    from tenants.scoping import tenant_context

    use_cheap_hashing()
    database = Database(app_url)
    try:
        with database.session() as session:
            user = accounts.create_user(session, email="bench@bench.test", password="bench-password-0")
            tenant = accounts.create_tenant(session, name="Bench Works", country="DE", timezone="Europe/Berlin",
                                            currency="EUR", owner=user)
            tenant_id = tenant.id
        ids, tokens = [], []
        with tenant_context(tenant_id), database.session() as session:
            for number in range(devices):
                device, token = registry.create_device(session, {"name": f"meter-{number:05d}", "kind": "clamp"})
                ids.append(device.id)
                tokens.append(token)
        return Fixture(tenant_id, ids, tokens)
    finally:
        database.dispose()


# ------------------------------------------------------------------------------------------ processes

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the project's gunicorn.conf.py, in its own process group."""

    def __init__(self, app_spec: str, env: dict, log_path: str | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.env = env
        self.process = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), app_spec],
            cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{self.port}"},
            # the access log (stdout) is formatted as in production and thrown away
            stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True,
        )

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not answer {path} within {timeout:.0f} s")
        # every worker imports the app on its own; give the others time to boot too
        time.sleep(2.0)

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = Path(self.log_path).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            pass
    return found


def rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def cpu_seconds(pids: list[int], reaped: bool = False) -> float:
    """utime + stime of the processes; with `reaped`, plus that of their children that exited
    (gunicorn's workers restarted after max_requests)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
            if reaped:
                total += int(fields[13]) + int(fields[14])  # cutime, cstime
        except (OSError, IndexError):
            pass
    return total / CLK_TCK


PG_BACKGROUND = ("checkpointer", "background writer", "walwriter", "autovacuum launcher", "stats collector",
                 "logical replication launcher", "archiver")


def postgres_pids(database: str | None) -> list[int]:
    """PostgreSQL processes serving `database` plus the server's background processes (not the
    backends of other databases, e.g. a test suite running beside the benchmark)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if (database and f" {database} " in title) or any(name in title for name in PG_BACKGROUND) \
                    or ":" not in title:
                pids.append(int(entry.name))
    return pids


def busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


class CpuMeter:
    """CPU seconds spent between start and stop by gunicorn (master + workers), by PostgreSQL for the
    bench database, and by the whole machine (`busy`: the rest of it is the load generator and
    whatever else runs on the machine, which the report shows as interference)."""

    def __init__(self, server: Server | None, database: str | None) -> None:
        self.server, self.database = server, database

    def _per_pid(self) -> dict[int, float]:
        spent = {pid: cpu_seconds([pid]) for pid in postgres_pids(self.database)}
        if self.server:
            master = self.server.process.pid
            spent.update({pid: cpu_seconds([pid]) for pid in self.server.worker_pids()})
            spent[master] = cpu_seconds([master], reaped=True)  # workers restarted during the phase count too
        return spent

    def start(self) -> None:
        self.begin, self.busy, self.at = self._per_pid(), busy_seconds(), time.monotonic()

    def stop(self) -> dict:
        end, busy, at = self._per_pid(), busy_seconds(), time.monotonic()
        app = {self.server.process.pid, *self.server.worker_pids()} if self.server else set()
        spent = {pid: value - self.begin.get(pid, 0.0) for pid, value in end.items()}
        return {"app": sum(v for pid, v in spent.items() if pid in app),
                "postgres": sum(v for pid, v in spent.items() if pid not in app),
                "busy": busy - self.busy, "wall": at - self.at}


# ------------------------------------------------------------------------------------------------ wrk

def run_wrk(url: str, script: Path, seconds: float, args: argparse.Namespace, script_args: list[str]) -> dict:
    command = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "10s", "-s", str(script), url]
    if script_args:
        command += ["--", *script_args]
    started = time.monotonic()
    before = os.times()
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, cwd=BENCH)
    after = os.times()
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    line = next((text for text in result.stdout.splitlines() if text.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError("wrk printed no summary:\n" + result.stdout + result.stderr)
    summary = json.loads(line[len("BENCH_JSON "):])
    summary["wall_s"] = time.monotonic() - started
    summary["loadgen_cpu_s"] = ((after.children_user + after.children_system)
                                - (before.children_user + before.children_system))
    return summary


# ----------------------------------------------------------------------------------------------- COPY

class CopyRows:
    """The rows the wrk script sends, as COPY text: reading k of a device is at base + k seconds."""

    def __init__(self, tenant_id: int, batch: int, base_ms: int) -> None:
        self.tenant_id, self.batch, self.base_ms = tenant_id, batch, base_ms
        self.received = datetime.now(UTC).isoformat()
        self.tails: dict[int, list[str]] = {}
        self.lock = threading.Lock()

    def tail(self, round_: int) -> list[str]:
        tails = self.tails.get(round_)
        if tails is None:
            tails = []
            for k in range(round_ * self.batch, (round_ + 1) * self.batch):
                ts = datetime.fromtimestamp((self.base_ms + k * 1000) / 1000, UTC).isoformat()
                power = 100 + (k % 50) * 10
                tails.append(f"\t{ts}\t{self.received}\t{power}.5\t{1000000 + k}.25\t230.1\t\\N\t\\N\t\\N\n")
            with self.lock:
                self.tails[round_] = tails
        return tails

    def payload(self, device_id: int, round_: int) -> str:
        prefix = f"{self.tenant_id}\t{device_id}"
        return "".join([prefix + tail for tail in self.tail(round_)])


@dataclass
class Bench:
    """What the phases share: the arguments, the throw-away database and the fixture."""

    args: argparse.Namespace
    admin_url: str
    database_name: str
    fixture: Fixture
    tokens_file: Path

    def count_readings(self) -> int:
        """Rows in readings, once no request is in flight any more (the count stops changing)."""
        import psycopg

        url = self.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            last = -1
            for _ in range(60):
                count = connection.execute("SELECT count(*) FROM readings").fetchone()[0]
                if count == last:
                    return count
                last = count
                time.sleep(0.5)
            return last


    def stored_bytes(self) -> tuple[int, int]:
        """(bytes on disk of the readings partitions with their indexes and TOAST, rows stored)."""
        import psycopg

        url = self.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CHECKPOINT")
            size = connection.execute(
                "SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i "
                "WHERE i.inhparent = 'readings'::regclass").fetchone()[0]
            return int(size), connection.execute("SELECT count(*) FROM readings").fetchone()[0]


def run_copy(bench: Bench, seconds: float, base_ms: int) -> dict:
    """Parallel connections each COPY `batch` rows and commit, round robin over their devices.

    As the database owner (a superuser here): PostgreSQL refuses COPY FROM into a table with
    row-level security for the ordinary app role, so this is the floor without any policy check."""
    import psycopg

    args, fixture = bench.args, bench.fixture
    url = bench.admin_url.replace("postgresql+psycopg://", "postgresql://")
    rows = CopyRows(fixture.tenant_id, args.batch, base_ms)
    statement = f"COPY readings ({', '.join(COLUMNS)}) FROM STDIN"
    count = args.copy_connections
    latencies: list[list[float]] = [[] for _ in range(count)]
    errors: list[BaseException] = []
    ready = threading.Barrier(count + 1)
    go = threading.Event()
    deadline: list[float] = []

    def worker(index: int) -> None:
        devices = fixture.device_ids[index::count]
        try:
            with psycopg.connect(url) as connection:
                for round_ in range(3):  # build the first rounds' text before the clock starts
                    rows.tail(round_)
                ready.wait()
                go.wait()
                n = 0
                while time.monotonic() < deadline[0]:
                    payload = rows.payload(devices[n % len(devices)], n // len(devices))
                    n += 1
                    began = time.perf_counter()
                    with connection.cursor() as cursor, cursor.copy(statement) as copy:
                        copy.write(payload)
                    connection.commit()
                    latencies[index].append(time.perf_counter() - began)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
            ready.abort()
            go.set()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    meter = CpuMeter(None, bench.database_name)
    meter.start()
    before = os.times()
    started = time.monotonic()
    deadline.append(started + seconds)
    go.set()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    after = os.times()
    cpu = meter.stop()
    if errors:
        raise RuntimeError(f"COPY failed: {errors[0]!r}")
    cpu["loadgen"] = (after.user + after.system) - (before.user + before.system)
    flat = sorted(x for lane in latencies for x in lane)
    return {"requests": len(flat), "seconds": elapsed, "p50_ms": _percentile(flat, 50) * 1000,
            "p99_ms": _percentile(flat, 99) * 1000, "accepted": len(flat) * args.batch, "cpu": cpu}


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


# -------------------------------------------------------------------------------------------- phases

@dataclass
class PhaseResult:
    name: str
    label: str
    requests: int
    seconds: float
    readings: int
    duplicates: int
    rejected: int
    errors: int
    p50_ms: float
    p99_ms: float
    stored: int | None = None
    cpu: dict = field(default_factory=dict)
    stored_bytes: dict | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def readings_per_s(self) -> float:
        return self.readings / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict:
        return {**vars(self), "rps": round(self.rps, 1), "readings_per_s": round(self.readings_per_s, 1)}


def wrk_phase(bench: Bench, server: Server, name: str, label: str, batch: int | None, bases,
              tokens_file: Path | None = None, lines_path: str | None = None) -> PhaseResult:
    """Warm up, then measure for the fixed time; `batch` None is the hello route; with `lines_path`
    the requests are line protocol to that path (bench/wrk/lines.lua), else our JSON readings."""
    args = bench.args
    tokens = str(tokens_file or bench.tokens_file)
    if batch is None:
        url, script = server.url + "/", BENCH / "wrk" / "hello.lua"
        warm_args = run_args = []
    else:
        script = BENCH / "wrk" / ("lines.lua" if lines_path else "ingest.lua")
        url = server.url + (lines_path or "/api/v1/readings")
        extra = [lines_path] if lines_path else []
        warm_args = [tokens, str(batch), str(next(bases)), str(args.wrk_threads), *extra]
        run_args = [tokens, str(batch), str(next(bases)), str(args.wrk_threads), *extra]
    print(f"  {name}: warm-up {args.warmup:.0f} s", flush=True)
    run_wrk(url, script, args.warmup, args, warm_args)
    before = bench.count_readings() if batch else None
    print(f"  {name}: measuring {args.duration:.0f} s", flush=True)
    meter = CpuMeter(server, bench.database_name)
    meter.start()
    summary = run_wrk(url, script, args.duration, args, run_args)
    cpu = meter.stop()
    cpu["loadgen"] = summary["loadgen_cpu_s"]
    stored = bench.count_readings() - before if batch and not isinstance(server, Influxd) else None
    errors = sum(summary[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_timeout"))
    errors += summary.get("non_202", summary["errors_status"])
    return PhaseResult(
        name=name, label=label, requests=summary["requests"], seconds=summary["duration_us"] / 1e6,
        readings=summary.get("accepted", 0), duplicates=summary.get("duplicates", 0),
        rejected=summary.get("rejected", 0), errors=errors, p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000, stored=stored, cpu=cpu,
    )


def server_env(args: argparse.Namespace, database_url: str | None) -> dict:
    env = dict(os.environ)
    env.update({"LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-secret-key-0123456789abcdef", "REDIS_URL": args.redis_url,
                "INGEST_DEVICE_LIMIT": GENEROUS_LIMIT, "INGEST_TENANT_LIMIT": GENEROUS_LIMIT,
                "PYTHONPATH": str(ROOT)})
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - {"hello", "single", "hot", "batch", "copy", *LINE_PHASES}
    if unknown:
        raise SystemExit(f"unknown phase(s): {', '.join(sorted(unknown))}")
    if {"influx", "influx-batch"} & set(phases) and not have_influxd():
        raise SystemExit("InfluxDB is not installed: apt-get install influxdb (bench/run.sh does it when run as root)")
    if {"hello", "single", "hot", "batch", *LINE_PHASES} & set(phases) and not _have("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (bench/run.sh does it when run as root)")
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)

    os.environ["TEST_DATABASE_URL"] = args.database_url  # tests/support/databases.py makes the throw-away database
    from sqlalchemy.engine import make_url

    from tests.support.databases import create_test_database

    results: dict[str, PhaseResult] = {}
    memory: dict[str, dict] = {}
    shape: dict = {}
    now_ms = int(time.time() * 1000)
    # each load run gets its own hour of timestamps, all in the past 20 hours: live readings, as meters
    # post them (readings of days that may be packed take the path that checks the blocks)
    bases = iter(now_ms - HOUR_MS * (20 - i) for i in range(20))
    server: Server | None = None
    database = None
    workdir = tempfile.TemporaryDirectory(prefix="df-bench-")
    log_path = args.log_path or str(Path(workdir.name) / "gunicorn.log")
    try:
        print("setting up a throw-away database ...", flush=True)
        database = create_test_database(Path(workdir.name))
        fixture = create_fixture(database.url, args.devices)
        tokens_file = Path(workdir.name) / "tokens.txt"
        tokens_file.write_text("\n".join(fixture.tokens) + "\n")
        bench = Bench(args, database.admin_url, make_url(database.admin_url).database, fixture, tokens_file)
        print(f"  database {bench.database_name}: tenant {fixture.tenant_id}, {len(fixture.tokens)} devices "
              f"with a token each", flush=True)

        if "hello" in phases:
            print("(a) bare Flask hello under gunicorn.conf.py", flush=True)
            server = Server("bench.hello_app:app", server_env(args, None), log_path)
            server.wait_ready("/")
            shape = _gunicorn_shape(server)
            results["hello"] = wrk_phase(bench, server, "hello", "(a) Flask hello", None, bases)
            memory["hello"] = _memory(server)
            server.stop()
            server = None

        if {"single", "hot", "batch"} & set(phases):
            server = Server("app:app", server_env(args, database.url), log_path)
            server.wait_ready("/healthz")
            shape = _gunicorn_shape(server)
            if "single" in phases:
                print("(b) single readings: POST /api/v1/readings", flush=True)
                results["single"] = wrk_phase(bench, server, "single", "(b) ingest, 1 reading", 1, bases)
            if "hot" in phases:
                hot_file = Path(workdir.name) / "hot-tokens.txt"
                hot_file.write_text("\n".join(fixture.tokens[:args.hot_devices]) + "\n")
                print(f"(b') single readings from only {args.hot_devices} devices (each posts again within the "
                      f"credential cache's lifetime)", flush=True)
                results["hot"] = wrk_phase(bench, server, "hot", f"(b') 1 reading, {args.hot_devices} devices", 1,
                                           bases, hot_file)
            if "batch" in phases:
                print(f"(c) batches of {args.batch}: POST /api/v1/readings", flush=True)
                results["batch"] = wrk_phase(bench, server, "batch", f"(c) ingest, {args.batch} readings",
                                             args.batch, bases)
            memory["ingest"] = _memory(server)
            server.stop()
            server = None

        if LINE_PHASES & set(phases):
            results.update(line_phases(bench, phases, args, bases, database.url, log_path, Path(workdir.name)))
            shape = shape or {"workers": os.environ.get("WEB_CONCURRENCY", "gunicorn.conf.py's"),
                              "threads": os.environ.get("GUNICORN_THREADS", "gunicorn.conf.py's")}

        if "copy" in phases:
            print(f"(d) raw COPY, batches of {args.batch}, {args.copy_connections} connections", flush=True)
            print(f"  copy: warm-up {min(args.warmup, 3.0):.0f} s", flush=True)
            run_copy(bench, min(args.warmup, 3.0), next(bases))
            before = bench.count_readings()
            print(f"  copy: measuring {args.duration:.0f} s", flush=True)
            summary = run_copy(bench, args.duration, next(bases))
            results["copy"] = PhaseResult(
                name="copy", label=f"(d) PostgreSQL COPY, {args.batch} rows", requests=summary["requests"],
                seconds=summary["seconds"], readings=summary["accepted"], duplicates=0, rejected=0, errors=0,
                p50_ms=summary["p50_ms"], p99_ms=summary["p99_ms"], stored=bench.count_readings() - before,
                cpu=summary["cpu"])

        report(results, memory, shape, args)
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({
                "date": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                "gunicorn": shape, "args": {k: v for k, v in vars(args).items() if k != "database_url"},
                "phases": {k: v.as_json() for k, v in results.items()}, "memory_mb": memory,
            }, indent=2) + "\n")
        return 0
    except (KeyboardInterrupt, Stop) as exc:
        print(f"interrupted ({exc}); cleaning up", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        if database is not None:
            try:
                database.drop()
            except Exception as exc:  # noqa: BLE001 - best effort, but say so
                print(f"could not drop the bench database: {exc}", file=sys.stderr)
        workdir.cleanup()


LINE_PHASES = frozenset({"lines", "lines-batch", "influx", "influx-batch"})
"""Line protocol to our /write (lines, lines-batch) and to InfluxDB 1.x (influx, influx-batch)."""


def line_phases(bench: Bench, phases: list[str], args: argparse.Namespace, bases, database_url: str,
                log_path: str, workdir: Path) -> dict[str, PhaseResult]:
    """The same line protocol, one line and `--batch` lines a request, to Digital Factory's /write and
    to InfluxDB; each side's bytes per stored point are noted on its last phase (`stored_bytes`)."""
    results: dict[str, PhaseResult] = {}
    sides = (("ours", ("lines", "lines-batch"), "Digital Factory"),
             ("peer", ("influx", "influx-batch"), "InfluxDB 1.x"))
    for side, names, title in sides:
        wanted = [name for name in names if name in phases]
        if not wanted:
            continue
        if side == "ours":
            server = Server("app:app", server_env(args, database_url), log_path)
            server.wait_ready("/healthz")
        else:
            server = Influxd(workdir / "influxdb", free_port(), free_port(), log_path)
            server.wait_ready()
        try:
            for name in wanted:
                batch = 1 if name in ("lines", "influx") else args.batch
                print(f"({name}) {title}: line protocol, {batch} line(s) a request", flush=True)
                results[name] = wrk_phase(bench, server, name, f"({name}) {title}, {batch}", batch, bases,
                                          lines_path=WRITE_PATH)
            last = results[wanted[-1]]
            if side == "ours":
                size, rows = bench.stored_bytes()
            else:
                server.settle()
                size, rows = server.disk_bytes(), sum(results[name].readings for name in wanted)
            last.stored_bytes = {"bytes": size, "rows": rows}
        finally:
            server.stop()
    return results


def _have(program: str) -> bool:
    return any((Path(d) / program).exists() for d in os.environ.get("PATH", "").split(os.pathsep))


def _gunicorn_shape(server: Server) -> dict:
    workers = server.worker_pids()
    env = server.env
    return {"workers": len(workers), "threads": int(env.get("GUNICORN_THREADS") or 4),
            "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY"), "GUNICORN_THREADS": env.get("GUNICORN_THREADS")}


def _memory(server: Server) -> dict:
    values = [rss_mb(pid) for pid in server.worker_pids()]
    master = rss_mb(server.process.pid)
    return {"workers": len(values), "max_rss": round(max((v[0] for v in values), default=0.0), 1),
            "max_peak": round(max((v[1] for v in values), default=0.0), 1),
            "sum_rss": round(sum(v[0] for v in values), 1), "master_rss": round(master[0], 1)}


def report(results: dict[str, PhaseResult], memory: dict, shape: dict, args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print()
    print(f"gunicorn.conf.py: {shape.get('workers')} workers x {shape.get('threads')} threads; wrk "
          f"{args.wrk_threads} thread(s), {args.connections} connections; {cores} cores; "
          f"{args.duration:.0f} s per phase")
    header = (f"{'phase':30} {'req/s':>8} {'readings/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'dup':>4} {'err':>4} "
              f"{'CPU ms/req app / pg':>20} {'cores: app pg load other':>25}")
    print(header)
    print("-" * len(header))
    for r in results.values():
        readings = f"{r.readings_per_s:10,.0f}" if r.name != "hello" else f"{'-':>10}"
        cpu, wall = r.cpu, r.cpu.get("wall") or r.seconds
        per = f"{1000 * cpu['app'] / r.requests:.2f} / {1000 * cpu['postgres'] / r.requests:.2f}" if r.requests else "-"
        other = max(cpu["busy"] - cpu["app"] - cpu["postgres"] - cpu["loadgen"], 0.0)
        cores_used = (f"{cpu['app'] / wall:4.2f} {cpu['postgres'] / wall:4.2f} {cpu['loadgen'] / wall:4.2f} "
                      f"{other / wall:5.2f}")
        print(f"{r.label:30} {r.rps:8,.0f} {readings} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.duplicates:4d} {r.errors:4d} "
              f"{per:>20} {cores_used:>25}")
    for r in results.values():
        if r.stored is not None and r.stored != r.readings:
            print(f"  {r.name}: {r.stored - r.readings:+d} rows stored beyond the answers counted "
                  f"(requests still in flight when the load generator stopped)")
    for r in results.values():
        if r.stored_bytes and r.stored_bytes["rows"]:
            print(f"  {r.name}: {r.stored_bytes['bytes'] / r.stored_bytes['rows']:.1f} bytes per stored reading "
                  f"on disk ({r.stored_bytes['bytes']:,} bytes, {r.stored_bytes['rows']:,} readings)")
    print()
    checks = []
    hello, single, batch, copy = (results.get(k) for k in ("hello", "single", "batch", "copy"))
    if hello and single:
        ratio = single.rps / hello.rps
        print(f"b/a  single-reading ingest vs hello, req/s:   {ratio:.2f}")
        checks.append(("(b) >= 50 % of (a)", ratio >= 0.5))
    if single:
        checks.append(("(b) >= 1,500 req/s", single.rps >= 1500))
    if batch and copy:
        print(f"c/d  batch ingest vs raw COPY, readings/s:    {batch.readings_per_s / copy.readings_per_s:.2f}")
    if batch:
        checks.append(("(c) >= 50,000 readings/s", batch.readings_per_s >= 50_000))
    lines, influx = results.get("lines"), results.get("influx")
    if lines and influx:
        print(f"single lines, ours vs InfluxDB 1.x, req/s:    {lines.rps / influx.rps:.2f}")
        checks.append(("single-line writes >= InfluxDB 1.x's req/s", lines.rps >= influx.rps))
    for name, values in memory.items():
        print(f"worker RSS after the {name} runs: max {values['max_rss']:.1f} MB (peak {values['max_peak']:.1f} MB) "
              f"over {values['workers']} workers; master {values['master_rss']:.1f} MB")
    if "ingest" in memory:
        checks.append(("worker RSS <= 150 MB", memory["ingest"]["max_peak"] <= 150))
    print()
    for name, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {name}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
