"""Fixtures for the demo company: build it in the test database and talk to its API."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from telemetry.demo_data import DemoSummary, ensure_demo
from telemetry.models import Device, Reading
from tenants import apikeys
from tenants.scoping import tenant_context

DAYS = 3


@pytest.fixture
def build(db):
    """`build(now=None, days=DAYS)` runs ensure_demo in its own committed session; returns the summary."""

    def run(now: datetime | None = None, days: int = DAYS) -> DemoSummary:
        with db.session() as session:
            return ensure_demo(session, now=now, days=days)

    return run


@pytest.fixture
def api_headers(db):
    """`api_headers(tenant_id)`: an Authorization header with a new API key of that tenant."""

    def make(tenant_id: int) -> dict:
        with db.session() as session, tenant_context(tenant_id):
            _key, secret = apikeys.create_key(session, "demo test")
            session.flush()
        return {"Authorization": f"Bearer {secret}"}

    return make


def readings_by_device(db, tenant_id: int) -> dict[str, list[tuple]]:
    """(ts, power_w, energy_wh, received_at) of every stored reading per machine name, in time order."""
    found: dict[str, list[tuple]] = {}
    with db.session() as session, tenant_context(tenant_id):
        rows = session.execute(select(Device.name, Reading.ts, Reading.power_w, Reading.energy_wh, Reading.received_at)
                               .join(Device, Device.id == Reading.device_id).order_by(Device.name, Reading.ts))
        for name, *row in rows:
            found.setdefault(name, []).append(tuple(row))
    return found


def assert_counters_continue(series: list[tuple], max_w: float) -> None:
    """The energy counter never drops and never grows faster than `max_w` could make it."""
    for (t0, _p0, e0, _r0), (t1, _p1, e1, _r1) in zip(series, series[1:]):
        assert e1 >= e0, (t0, e0, t1, e1)
        assert e1 - e0 <= max_w * (t1 - t0).total_seconds() / 3600 + 0.01, (t0, e0, t1, e1)
