"""The scheduler's single-runner guard and its first job."""
import time
from datetime import timedelta
from threading import Thread

from sqlalchemy import select

from jobs import lease
from jobs.registry import JOBS, Job, purge_expired_invitations
from jobs.scheduler import build_scheduler, run_once
from tenants import team
from tenants.clock import utcnow
from tenants.models import Invitation, Membership
from tenants.scoping import tenant_context


def test_lease_is_held_by_one_process_until_released_or_expired(db):
    with db.Session() as session:
        assert lease.acquire(session, "job", "a", timedelta(minutes=5))
        assert not lease.acquire(session, "job", "b", timedelta(minutes=5))
        assert lease.acquire(session, "job", "a", timedelta(minutes=5)), "the holder renews"
        lease.release(session, "job", "a")
        assert lease.acquire(session, "job", "b", timedelta(seconds=-1)), "released: another may take it"
        assert lease.acquire(session, "job", "c", timedelta(minutes=5)), "expired: another may take it"


def test_two_schedulers_at_once_run_a_job_once(db):
    runs = []

    def slow(_db):
        runs.append(1)
        time.sleep(0.5)  # still running when the other scheduler tries
        return 1

    job = Job("concurrent", slow, every_seconds=60)
    results = []
    threads = [Thread(target=lambda h=h: results.append(run_once(db, job, holder=h))) for h in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [1, None] and runs == [1]
    assert run_once(db, job, holder="two") == 1, "released after the run: the next run goes ahead"


def _invite(db, account, email, expires_in):
    with db.session() as session, tenant_context(account.tenant_id):
        actor = session.scalar(select(Membership).where(Membership.user_id == account.user_id))
        invitation, _token = team.invite(session, "secret", actor, email, "member")
        invitation.expires_at = utcnow() + expires_in
        session.flush()


def test_purge_removes_only_expired_invitations_in_every_tenant(db, make_account):
    a = make_account("Acme", "a@acme.test")
    b = make_account("Beta", "b@beta.test")
    _invite(db, a, "old@x.test", timedelta(days=-1))
    _invite(db, a, "new@x.test", timedelta(days=3))
    _invite(db, b, "old@y.test", timedelta(seconds=-1))
    assert purge_expired_invitations(db) == 2
    assert purge_expired_invitations(db) == 0, "safe to re-run"
    with db.session() as session, tenant_context(a.tenant_id):
        assert session.scalars(select(Invitation.email)).all() == ["new@x.test"]


def test_scheduler_lists_every_job(db):
    scheduler = build_scheduler(db)
    assert {job.id for job in scheduler.get_jobs()} == {job.name for job in JOBS}


def test_settle_job_rolls_up_what_ingest_marked(db, client, make_account):
    from sqlalchemy import func

    from jobs.registry import settle_rollups
    from telemetry import registry
    from telemetry.rollups import DirtyWindow, Rollup

    account = make_account("Settle", "s@settle.test")
    with db.session() as session, tenant_context(account.tenant_id):
        _device, token = registry.create_device(session, {"name": "m"})
        session.flush()
    readings = [{"ts": 1777881600 + 60 * i, "power_w": 500} for i in range(30)]
    assert client.post("/api/v1/readings", json=readings,
                       headers={"Authorization": f"Bearer {token}"}).status_code == 202
    assert settle_rollups(db) > 0
    assert settle_rollups(db) == 0, "nothing left to do: safe to re-run"
    with db.session() as session, tenant_context(account.tenant_id):
        assert session.scalar(select(func.count()).select_from(DirtyWindow)) == 0
        assert session.scalar(select(func.count()).select_from(Rollup)) >= 2


def test_partition_job_creates_months_ahead_on_postgres(db, test_db):
    from sqlalchemy import text

    from jobs.registry import maintain_partitions
    from telemetry.partitions import month_start, partition_name

    if test_db.dialect != "postgresql":
        assert maintain_partitions(db) == 0
        return
    from tenants.db import Database

    owner = Database(test_db.admin_url)  # creating partitions needs the table owner
    maintain_partitions(owner)
    ahead = partition_name(month_start(utcnow().date(), 3))
    with owner.engine.connect() as connection:
        assert connection.execute(text("SELECT to_regclass(:n)"), {"n": ahead}).scalar() is not None
    owner.dispose()
