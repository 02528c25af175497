"""A company with two machines (device tokens), an owner, a member, and helpers that post realistic readings."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from telemetry import registry
from tenants.scoping import tenant_context


@dataclass
class Plant:
    """A company, its two machines and their device tokens."""

    tenant_id: int
    owner_email: str
    member_email: str
    devices: dict[str, int]
    tokens: dict[str, str]


@pytest.fixture
def plant(db, make_account, make_member):
    """'Lotus Works' (Europe/Berlin, EUR) with machines 'Lathe 1' and 'Press 2', an owner and a member."""
    account = make_account("Lotus Works", "owner@lotus.test", timezone="Europe/Berlin", currency="EUR")
    member = make_member(account, "member@lotus.test")
    devices, tokens = {}, {}
    with db.session() as session, tenant_context(account.tenant_id):
        for name in ("Lathe 1", "Press 2"):
            device, tokens[name] = registry.create_device(session, {"name": name, "site": "Hall A", "line": "Line 1"})
            devices[name] = device.id
        session.flush()
    return Plant(account.tenant_id, account.email, member.email, devices, tokens)


def post_readings(client, token: str, readings: list[dict], batch: int = 2000) -> None:
    """Post readings through the ingest API with the device token, in batches."""
    for start in range(0, len(readings), batch):
        response = client.post("/api/v1/readings", json=readings[start:start + batch],
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 202, response.get_data(as_text=True)[:300]
        assert not response.get_json()["rejected"], response.get_json()["rejected"][:3]


def iso(moment: datetime) -> str:
    """An RFC 3339 UTC time."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def machine_history(levels: list[tuple[float, float]], start: datetime, end: datetime, step_s: int = 60,
                    block_s: int = 3600, seed: int = 7) -> list[dict]:
    """Readings every step_s from start to end, cycling through (mean W, spread W) levels in blocks of block_s,
    with a cumulative energy counter as real meters send."""
    rng = random.Random(seed)
    readings, energy, moment = [], 1000.0, start
    while moment < end:
        index = int((moment - start).total_seconds() // block_s) % len(levels)
        mean, spread = levels[index]
        power = round(max(0.0, rng.gauss(mean, spread)), 1)
        readings.append({"ts": iso(moment), "power_w": power, "energy_wh": round(energy, 3)})
        energy += power * step_s / 3600
        moment += timedelta(seconds=step_s)
    return readings


def minute_floor(moment: datetime) -> datetime:
    """The moment without seconds."""
    return moment.replace(second=0, microsecond=0)


def pattern_history(pattern: list[tuple[int, float, float]], start: datetime, end: datetime, step_s: int = 60,
                    seed: int = 11) -> list[dict]:
    """Readings every step_s from start to end cycling through (minutes, mean W, spread W) periods,
    with a cumulative energy counter."""
    rng = random.Random(seed)
    cycle = sum(minutes for minutes, _mean, _spread in pattern) * 60
    readings, energy, moment = [], 5000.0, start
    while moment < end:
        offset = (moment - start).total_seconds() % cycle
        for period in pattern:  # the period the moment falls in; its mean and spread are used after the break
            minutes, mean, spread = period
            if offset < minutes * 60:
                break
            offset -= minutes * 60
        power = round(max(0.0, rng.gauss(mean, spread)), 1)
        readings.append({"ts": iso(moment), "power_w": power, "energy_wh": round(energy, 3)})
        energy += power * step_s / 3600
        moment += timedelta(seconds=step_s)
    return readings
