"""The one scheduler process (`python -m jobs.scheduler`): runs every job under a lease row."""
from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from jobs import lease
from jobs.environment import settings_from_env
from jobs.registry import JOBS, Job
from tenants.db import Database

log = logging.getLogger("jobs")


def holder_name() -> str:
    """This process's name in lease rows."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_once(db: Database, job: Job, holder: str | None = None) -> int | None:
    """Run a job if this process gets its lease; returns the job's count, or None when another holds it."""
    holder = holder or holder_name()
    ttl = timedelta(seconds=max(job.every_seconds, 60))
    with db.Session() as session:
        if not lease.acquire(session, job.name, holder, ttl):
            log.info("job %s skipped: another scheduler holds its lease", job.name)
            return None
    try:
        count = job.run(db)
        log.info("job %s done", job.name, extra={"job": job.name, "count": count})
        return count
    finally:
        with db.Session() as session:
            lease.release(session, job.name, holder)


def build_scheduler(db: Database) -> BlockingScheduler:
    """A blocking scheduler with every job of the registry."""
    scheduler = BlockingScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(run_once, "interval", seconds=job.every_seconds, args=(db, job), id=job.name,
                          max_instances=1, coalesce=True, next_run_time=None)
    return scheduler


def main() -> None:
    """Start the scheduler process with the app's settings."""
    from web.logs import JsonFormatter

    settings = settings_from_env()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    db = Database(settings.database_url)
    for job in JOBS:
        run_once(db, job)
    build_scheduler(db).start()


if __name__ == "__main__":
    main()
