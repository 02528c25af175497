"""Profile the ingest hot path in one process, without gunicorn or a load generator.

Creates a throw-away PostgreSQL database (like bench/ingest.py), a tenant with devices, builds the
app with create_app and posts readings through Flask's test client, sequentially: the CPU time per
request is then the app's own cost, free of other processes on the machine. Prints the time per
request, the SQL statements of one request, and cProfile's top functions.

    .venv/bin/python bench/profile_ingest.py --requests 2000 --batch 1
    .venv/bin/python bench/profile_ingest.py --requests 100 --batch 500
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ingest import GENEROUS_LIMIT, create_fixture  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumulative)")
    parser.add_argument("--no-profile", action="store_true", help="only time the requests")
    parser.add_argument("--cpu", action="store_true", help="profile CPU time of this thread, not wall time")
    parser.add_argument("--callees", default="", help="also print the callees of functions matching this text")
    args = parser.parse_args(argv)

    os.environ["TEST_DATABASE_URL"] = args.database_url
    from sqlalchemy import event

    from app import create_app
    from tests.support.databases import create_test_database

    with tempfile.TemporaryDirectory(prefix="df-profile-") as workdir:
        database = create_test_database(Path(workdir))
        try:
            fixture = create_fixture(database.url, args.devices)
            app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "profile-secret-0123456789",
                              "INSTANCE_PATH": workdir, "LOG_LEVEL": "WARNING", "REDIS_URL": "",
                              "INGEST_DEVICE_LIMIT": GENEROUS_LIMIT, "INGEST_TENANT_LIMIT": GENEROUS_LIMIT})
            client = app.test_client()
            base_ms = int(time.time() * 1000) - 3_600_000  # live readings (older days may be packed)
            sent = [0]

            def post() -> None:
                n = sent[0]
                sent[0] += 1
                token = fixture.tokens[n % len(fixture.tokens)]
                first = (n // len(fixture.tokens)) * args.batch
                items = [f'{{"ts":{base_ms + k * 1000},"power_w":{100 + k % 50}.5,"energy_wh":{1000000 + k}.25,'
                         f'"voltage_v":230.1}}' for k in range(first, first + args.batch)]
                body = items[0] if args.batch == 1 else '{"readings":[' + ",".join(items) + "]}"
                response = client.post("/api/v1/readings", data=body, content_type="application/json",
                                       headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 202, response.get_data(as_text=True)

            for _ in range(min(200, args.requests)):  # warm caches, pools, statement caches
                post()
            statements: list[str] = []
            engine = app.extensions["database"].engine
            listener = lambda *a: statements.append(a[2].split("\n")[0][:110])  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            post()
            event.remove(engine, "before_cursor_execute", listener)
            print(f"SQL statements of one request ({len(statements)}, plus COMMIT):")
            for statement in statements:
                print("   ", statement)

            profiler = None if args.no_profile else (cProfile.Profile(time.thread_time) if args.cpu
                                                     else cProfile.Profile())
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            for _ in range(args.requests):
                post()
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"\n{args.requests} requests of {args.batch} reading(s): {1000 * wall / args.requests:.3f} ms wall, "
                  f"{1000 * cpu / args.requests:.3f} ms CPU per request "
                  f"({args.requests * args.batch / wall:,.0f} readings/s in one thread)"
                  f"{' with cProfile on' if profiler else ''}")
            if profiler:
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
                stats.print_stats(args.top)
                if args.callees:
                    stats.print_callees(args.callees)
                print(out.getvalue())
            app.extensions["database"].dispose()
        finally:
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
