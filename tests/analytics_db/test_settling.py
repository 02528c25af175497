"""Settling many devices at once: the same quarters as computing each device from all its readings,
with a fixed few statements for all of them (on SQLite four more per device)."""
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from telemetry import registry
from telemetry.analytics import DeviceSettings, compute_quarter_buckets
from telemetry.ingest import store_rows
from telemetry.models import Device
from telemetry.rollups import DirtyWindow, stored_quarters
from telemetry.settling import settle_devices
from tenants.scoping import tenant_context

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _readings(seed: int) -> list[tuple[datetime, float, float]]:
    rng, energy, out = random.Random(seed), 1000.0, []
    for i in range(240):  # two hours at 30 s, with a 20-minute outage
        if 100 <= i < 140:
            continue
        power = rng.choice([0.0, 300.0, 2500.0])
        energy += power * 30 / 3600
        out.append((START + timedelta(seconds=30 * i), power, energy))
    return out


def _store(session, tenant_id, device, readings):
    rows = [{"tenant_id": tenant_id, "device_id": device.id, "ts": ts, "received_at": START, "power_w": p,
             "energy_wh": e, "voltage_v": None, "current_a": None, "power_factor": None, "extra": None}
            for ts, p, e in readings]
    store_rows(session, rows, START, {device.id: device})


@pytest.fixture
def fleet(db, make_account):
    account = make_account("Settle Works", "s@settle.test")
    with db.session() as session, tenant_context(account.tenant_id):
        devices = [registry.create_device(session, {"name": f"m{i}", "run_above_w": 1000, "max_gap_s": 300})[0]
                   for i in range(30)]
        session.flush()
        ids = [d.id for d in devices]
    return account.tenant_id, ids


def test_many_devices_settle_to_what_all_their_readings_give(db, fleet):
    tenant_id, ids = fleet
    now = START + timedelta(days=1)
    expected = {}
    with db.session() as session, tenant_context(tenant_id):
        devices = list(session.scalars(select(Device).where(Device.id.in_(ids[:5]))))
        for device in devices:
            readings = _readings(device.id)
            late = readings[::7]  # every seventh reading arrives after the rest was settled
            _store(session, tenant_id, device, [r for r in readings if r not in late])
            settle_devices(session, [device], now)
            _store(session, tenant_id, device, late)
            settings = DeviceSettings(device.off_below_w, device.run_above_w, device.max_gap_s)
            expected[device.id] = compute_quarter_buckets([(t.timestamp(), p, e) for t, p, e in readings], settings,
                                                          START, START + timedelta(hours=3), now)
        settle_devices(session, devices, now)
        assert session.scalars(select(DirtyWindow.device_id)).all() == []
        for device in devices:
            stored = {q.start.timestamp(): q
                      for q in stored_quarters(session, device.id, START, START + timedelta(hours=3))}
            for q in expected[device.id]:
                got = stored.get(q.start.timestamp())
                if got is None:
                    assert q.samples == 0 and q.energy_wh == 0 and q.covered_s == 0
                    continue
                assert got.energy_wh == pytest.approx(q.energy_wh, rel=1e-9, abs=1e-9)
                assert (got.running_s, got.idle_s, got.off_s, got.samples) == pytest.approx(
                    (q.running_s, q.idle_s, q.off_s, q.samples), abs=1e-6)


def test_a_fixed_few_statements_for_a_chunk_of_devices(db, fleet):
    tenant_id, ids = fleet
    counts = {}
    for size in (3, 25):
        with db.session() as session, tenant_context(tenant_id):
            devices = list(session.scalars(select(Device).where(Device.id.in_(ids[:size]))))
            for device in devices:
                _store(session, tenant_id, device, _readings(device.id + size)[:20])
            statements = []
            listener = lambda *args, statements=statements: statements.append(args[2])  # noqa: E731
            event.listen(session.get_bind(), "before_cursor_execute", listener)
            try:
                settle_devices(session, devices, START + timedelta(days=1))
            finally:
                event.remove(session.get_bind(), "before_cursor_execute", listener)
            counts[size] = len(statements)
            session.rollback()
    if db.dialect == "postgresql":  # the reads are batched too: the same few statements for any number
        assert counts[25] == counts[3] <= 12, counts
    else:
        assert counts[25] - counts[3] == 4 * (25 - 3), counts
        assert counts[3] - 4 * 3 <= 8, counts


def test_settlers_side_by_side_settle_every_device_once(db, fleet, monkeypatch, tmp_path):
    """Two settle jobs at once (jobs.settler runs several): each takes the devices the other is not
    settling, every dirty window is gone, and the quarters are those one settler writes."""
    import threading

    from jobs.registry import settle_rollups
    from jobs.settler import settle_loop
    from telemetry.rollups import mark_history_dirty

    tenant_id, ids = fleet
    with db.session() as session, tenant_context(tenant_id):
        devices = list(session.scalars(select(Device).where(Device.id.in_(ids))))
        for device in devices:
            _store(session, tenant_id, device, _readings(device.id)[:60])
    errors = []

    def settle() -> None:
        try:
            settle_rollups(db)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=settle) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session, tenant_context(tenant_id):
        assert session.scalars(select(DirtyWindow.device_id)).all() == []
        settled = {d.id: [(q.start, q.energy_wh, q.samples) for q in stored_quarters(
            session, d.id, START, START + timedelta(hours=3))] for d in devices}
    assert all(settled[d] for d in ids)
    with db.session() as session, tenant_context(tenant_id):  # settling again from scratch gives the same
        for device in session.scalars(select(Device).where(Device.id.in_(ids))):
            mark_history_dirty(session, device)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    settle_loop(0, rounds=1)  # what `python -m jobs.settler` runs in each process
    with db.session() as session, tenant_context(tenant_id):
        again = {d: [(q.start, q.energy_wh, q.samples) for q in stored_quarters(
            session, d, START, START + timedelta(hours=3))] for d in ids}
        assert session.scalars(select(DirtyWindow.device_id)).all() == []
    assert again == settled
