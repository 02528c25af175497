"""The evaluation job is idempotent, safe under two schedulers, and never opens the same alert twice."""
from datetime import timedelta
from threading import Barrier, Thread

import pytest
from sqlalchemy.exc import IntegrityError

from jobs.registry import JOBS
from jobs.scheduler import run_once
from telemetry import alerts
from tenants.clock import utcnow
from tenants.scoping import tenant_context
from tests.alerts.conftest import BASE, alert_rows, evaluate, make_plant, open_kinds, store


def _in_threads(count: int, target) -> list:
    results, barrier = [], Barrier(count)

    def run():
        barrier.wait()
        results.append(target())

    threads = [Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_running_twice_changes_nothing_the_second_time(db, plant):
    last = store(db, plant, "lathe", BASE, [500] * 5)
    store(db, plant, "press", BASE, [500] * 5)
    now = last + timedelta(minutes=20)
    first, second = evaluate(db, now), evaluate(db, now)
    assert (first.opened, second.opened, second.closed) == (2, 0, 0)
    assert len(alert_rows(db, plant)) == 2


def test_concurrent_evaluations_open_each_alert_once(db, plant, notifier, mailbox):
    from tests.alerts.test_mail import opt_in

    opt_in(db, plant.owner_id, plant.tenant_id)
    last = store(db, plant, "lathe", BASE, [500] * 5)
    store(db, plant, "press", BASE, [500] * 5)
    now = last + timedelta(minutes=20)

    summaries = _in_threads(4, lambda: alerts.evaluate_all(db, now, notifier))

    assert all(not s.failed_tenants for s in summaries)
    assert sum(s.opened for s in summaries) == 2
    kinds = sorted((v.device_name, v.alert.kind) for v in alert_rows(db, plant))
    assert kinds == [("lathe", "offline"), ("press", "offline")]
    assert sum(s.mailed for s in summaries) == 2 and len(mailbox.to(plant.owner_email)) == 2, "each opening mailed once"


def test_concurrent_closings_close_once(db, plant):
    last = store(db, plant, "lathe", BASE, [500] * 5)
    evaluate(db, last + timedelta(minutes=20))
    back = store(db, plant, "lathe", last + timedelta(minutes=30), [500])
    summaries = _in_threads(3, lambda: alerts.evaluate_all(db, back + timedelta(seconds=10)))
    assert sum(s.closed for s in summaries) == 1
    assert open_kinds(db, plant) == set()


def test_the_database_refuses_a_second_open_alert_of_a_device_and_kind(db, plant):
    with tenant_context(plant.tenant_id), db.session() as session:
        session.add(alerts.Alert(device_id=plant.devices["lathe"], kind="offline", opened_at=utcnow(), details={}))
    with pytest.raises(IntegrityError):
        with tenant_context(plant.tenant_id), db.session() as session:
            session.add(alerts.Alert(device_id=plant.devices["lathe"], kind="offline", opened_at=utcnow(), details={}))
    with tenant_context(plant.tenant_id), db.session() as session:  # a closed one does not count
        session.add(alerts.Alert(device_id=plant.devices["lathe"], kind="offline", opened_at=utcnow(),
                                 closed_at=utcnow(), details={}))


def test_each_tenant_gets_its_own_alerts(db, make_account, plant):
    other = make_plant(db, make_account, "Other Works", "owner@other.test")
    last = store(db, other, "press", BASE, [500] * 5)
    evaluate(db, last + timedelta(minutes=20))
    assert open_kinds(db, other) == {("press", "offline")}
    assert open_kinds(db, plant) == set()


def test_the_scheduler_job_runs_under_its_lease_once_at_a_time(db, plant, monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "job-test-secret")
    monkeypatch.delenv("SMTP_HOST", raising=False)
    job = next(j for j in JOBS if j.name == "evaluate_alerts")
    assert job.every_seconds == 60
    store(db, plant, "lathe", utcnow() - timedelta(hours=1), [500] * 5)

    results = _in_threads(2, lambda: run_once(db, job, holder=f"h{id(object())}"))

    assert sorted(results, key=str) in ([1, None], [0, 1]), results  # the other waited its turn or was refused
    assert run_once(db, job) == 0, "nothing changed since"
    assert open_kinds(db, plant) == {("lathe", "offline")}
