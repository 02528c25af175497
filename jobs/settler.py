"""Settling processes beside the scheduler: `python -m jobs.settler --processes 4` runs the
settle_rollups job in that many processes, a round every `--every` seconds, until stopped (SIGTERM or
Ctrl-C). Each round takes the devices no other settler is settling (SKIP LOCKED on PostgreSQL), so
when settling falls behind the live readings, more processes (on more hosts) settle more: the limit is
the database, not one scheduler. On SQLite one process settles; the job is the same."""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import time

from jobs.environment import settings_from_env
from jobs.registry import settle_rollups
from tenants.db import Database

log = logging.getLogger("jobs.settler")


def settle_loop(every_s: float, rounds: int | None = None) -> None:
    """Settle, then wait out the rest of `every_s`, until stopped (or `rounds` rounds are done)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    db = Database(settings_from_env().database_url)
    done = 0
    try:
        while not stopping and (rounds is None or done < rounds):
            started = time.monotonic()
            try:
                settle_rollups(db)
            except Exception:  # noqa: BLE001 - a round that failed is retried by the next one
                log.exception("a settle round failed")
            done += 1
            time.sleep(max(every_s - (time.monotonic() - started), 0.0))
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run the settle loop in `--processes` processes."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=1, help="settling processes (default 1)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between a process's rounds (default 5)")
    args = parser.parse_args(argv)
    if args.processes < 1 or args.every < 0:
        parser.error("--processes must be at least 1 and --every not negative")
    logging.basicConfig(level=logging.INFO)
    workers = [multiprocessing.get_context("spawn").Process(target=settle_loop, args=(args.every,),
                                                              name=f"settler-{n}") for n in range(args.processes)]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        for worker in workers:
            worker.terminate()
            worker.join()


if __name__ == "__main__":
    main()
