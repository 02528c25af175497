"""Group commit (telemetry.group_commit, PostgreSQL): device posts arriving while a transaction is on
its way share the next one, each answered only once that commit is done, and a database restart
in the middle loses nothing and stores nothing twice. Real HTTP to the live app, real PostgreSQL."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from telemetry import registry
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings

DEVICES = 8


@pytest.fixture
def group_commit_on(live_app_config):
    """The live app with group commit turned on (INGEST_GROUP_COMMIT)."""
    live_app_config["INGEST_GROUP_COMMIT"] = True


@pytest.fixture
def fleet(test_db, db, make_account):
    """A tenant with DEVICES device tokens."""
    if test_db.dialect != "postgresql":
        pytest.skip("group commit is the PostgreSQL session-free path")
    account = make_account("Group Works", "owner@group.test")
    with db.session() as session, tenant_context(account.tenant_id):
        made = [registry.create_device(session, {"name": f"press-{n}"}) for n in range(DEVICES)]
        session.flush()
        return account.tenant_id, [(device.id, token) for device, token in made]


class RowLock:
    """Holds a device's row locked from another connection (as the owner), so that the transaction
    storing its reading waits: the writes arriving meanwhile queue for the next transaction."""

    def __init__(self, admin_url: str, device_id: int) -> None:
        self.engine = create_engine(admin_url)
        self.connection = self.engine.connect()
        self.connection.execute(text("SELECT 1 FROM devices WHERE id = :id FOR UPDATE"), {"id": device_id})

    def waiters(self) -> int:
        with self.engine.connect() as other:
            return other.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()

    def release(self) -> None:
        self.connection.rollback()
        self.connection.close()
        self.engine.dispose()


def _post(url: str, token: str, ts: datetime, answers: dict) -> None:
    answers[token] = requests.post(url, json={"ts": ts.isoformat(), "power_w": 700.0}, timeout=60,
                                   headers={"Authorization": f"Bearer {token}"})


def _until(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def _queue_behind_a_locked_device(live_server, app, test_db, fleet, now):
    """Warm every device's credential cache, then post one reading per device with the first
    device's row locked: the first post's transaction waits, the other posts queue behind it."""
    tenant_id, devices = fleet
    url = live_server("/api/v1/readings")
    for n, (_device_id, token) in enumerate(devices):  # the first post of a token takes the session path
        assert requests.post(url, json={"ts": (now - timedelta(minutes=5)).isoformat(), "power_w": 1.0 + n},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code == 202
    committer = app.extensions["group_commit"] if "group_commit" in app.extensions else None
    before = (committer.transactions, committer.writes) if committer else (0, 0)
    lock = RowLock(test_db.admin_url, devices[0][0])
    answers: dict = {}
    threads = [threading.Thread(target=_post, args=(url, devices[0][1], now, answers))]
    threads[0].start()
    _until(lambda: lock.waiters() >= 1, "the first device's transaction waits for the lock")
    committer = app.extensions["group_commit"]
    for _device_id, token in devices[1:]:
        threads.append(threading.Thread(target=_post, args=(url, token, now, answers)))
        threads[-1].start()
    _until(lambda: committer.waiting == DEVICES - 1, "the other posts queue behind the first")
    return lock, threads, answers, committer, before


def test_posts_arriving_during_a_commit_share_the_next_transaction(group_commit_on, live_server, app, test_db, db,
                                                                  fleet):
    now = datetime.now(UTC).replace(microsecond=0)
    lock, threads, answers, committer, before = _queue_behind_a_locked_device(live_server, app, test_db, fleet, now)
    assert not answers, "no post is answered before its commit"
    lock.release()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers.values()] == [202] * DEVICES
    assert all(a.json() == {"accepted": 1, "duplicates": 0, "rejected": []} for a in answers.values())
    assert (committer.transactions - before[0], committer.writes - before[1]) == (2, DEVICES)
    stored = stored_readings(db, fleet[0])
    assert sorted(r["device"] for r in stored if r["ts"] == now) == sorted(f"press-{n}" for n in range(DEVICES))


def test_a_database_restart_under_group_commit_loses_nothing_and_stores_nothing_twice(
        group_commit_on, live_server, app, test_db, db, fleet, sql):
    now = datetime.now(UTC).replace(microsecond=0)
    lock, threads, answers, committer, _before = _queue_behind_a_locked_device(live_server, app, test_db, fleet, now)
    role = make_url(test_db.url).username
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role", role=role)  # a restart
    lock.release()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers.values()] == [202] * DEVICES, [a.text for a in answers.values()]
    assert all(a.json() == {"accepted": 1, "duplicates": 0, "rejected": []} for a in answers.values())
    stored = stored_readings(db, fleet[0])
    assert len(stored) == 2 * DEVICES and len({(r["device"], r["ts"]) for r in stored}) == 2 * DEVICES
    assert sorted(r["device"] for r in stored if r["ts"] == now) == sorted(f"press-{n}" for n in range(DEVICES))
