"""Fixtures for alerts: a company in Europe/Berlin with machines, readings stored or posted, time driven by `now`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from telemetry import alerts, registry, rollups, storage
from telemetry.alert_mail import AlertNotifier
from telemetry.models import Device
from tenants import apikeys
from tenants.scoping import tenant_context

ZONE = ZoneInfo("Europe/Berlin")
# Yesterday 10:00 in Berlin: inside the stored reading partitions, far from local midnight.
BASE = datetime.combine(datetime.now(ZONE).date() - timedelta(days=1), time(10), ZONE).astimezone(UTC)
MACHINES = {
    "lathe": {"off_below_w": 10, "run_above_w": 1000},
    "press": {"off_below_w": 10, "run_above_w": 1000, "rated_w": 2000},
}


@dataclass
class Plant:
    """A company with machines by name, their ingest tokens and an API key."""

    tenant_id: int
    owner_id: int
    owner_email: str
    devices: dict[str, int]
    tokens: dict[str, str]
    api_key: str

    @property
    def api(self) -> dict:
        """Headers of the company's API key."""
        return {"Authorization": f"Bearer {self.api_key}"}


def make_plant(db, make_account, name: str = "Alert Works", email: str = "owner@alerts.test") -> Plant:
    """A company with the MACHINES."""
    account = make_account(name, email, timezone="Europe/Berlin")
    with tenant_context(account.tenant_id), db.session() as session:
        devices, tokens = {}, {}
        for machine, fields in MACHINES.items():
            device, tokens[machine] = registry.create_device(session, {"name": machine, **fields})
            session.flush()
            devices[machine] = device.id
        _key, secret = apikeys.create_key(session, "alerts test")
    return Plant(account.tenant_id, account.user_id, account.email, devices, tokens, secret)


@pytest.fixture
def plant(db, make_account) -> Plant:
    """Alert Works with a lathe and a press rated 2000 W."""
    return make_plant(db, make_account)


def store(db, plant: Plant, machine: str, start: datetime, powers: list[float], step_s: int = 60) -> datetime:
    """Store readings through telemetry.storage (as the ingest does) and mark them for rollup; returns the last ts."""
    device_id = plant.devices[machine]
    stamps = [start + timedelta(seconds=step_s * i) for i in range(len(powers))]
    rows = [{"tenant_id": plant.tenant_id, "device_id": device_id, "ts": ts, "received_at": ts, "power_w": power,
             "energy_wh": None, "voltage_v": None, "current_a": None, "power_factor": None, "extra": None}
            for ts, power in zip(stamps, powers)]
    with tenant_context(plant.tenant_id), db.session() as session:
        storage.insert_readings(session, rows)
        rollups.mark_dirty(session, {device_id: (stamps[0], stamps[-1])})
    return stamps[-1]


def post(client, plant: Plant, machine: str, readings: list[tuple[datetime, float]]) -> None:
    """Post readings through the ingest API with the machine's token."""
    body = [{"ts": ts.isoformat(), "power_w": power} for ts, power in readings]
    response = client.post("/api/v1/readings", json=body, headers={"Authorization": f"Bearer {plant.tokens[machine]}"})
    assert response.status_code == 202, response.get_data(as_text=True)


def now_utc() -> datetime:
    """The real time, to the second (for readings posted through the ingest, which notes receive times)."""
    return datetime.now(UTC).replace(microsecond=0)


def evaluate(db, now: datetime, notifier=None) -> alerts.Summary:
    """One run of the alert evaluation at `now`."""
    summary = alerts.evaluate_all(db, now, notifier)
    assert not summary.failed_tenants
    return summary


def alert_rows(db, plant: Plant, status: str = "all") -> list[alerts.AlertView]:
    """The company's alerts, oldest first."""
    with tenant_context(plant.tenant_id), db.session() as session:
        return sorted(alerts.list_alerts(session, status), key=lambda v: v.alert.id)


def open_kinds(db, plant: Plant) -> set[tuple[str, str]]:
    """(machine, kind) of every open alert."""
    return {(v.device_name, v.alert.kind) for v in alert_rows(db, plant, "open")}


def set_device(db, plant: Plant, machine: str, **fields) -> None:
    """Change device columns directly."""
    with tenant_context(plant.tenant_id), db.session() as session:
        device = session.scalar(select(Device).where(Device.id == plant.devices[machine]))
        for key, value in fields.items():
            setattr(device, key, value)


@pytest.fixture
def notifier(app) -> AlertNotifier:
    """Alert mails through the app's mailer (the real SMTP server of the `mailbox` fixture)."""
    return AlertNotifier(app.extensions["mailer"], "http://localhost")
