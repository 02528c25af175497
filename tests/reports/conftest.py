"""Fixtures for reports: a company with machines (one with a non-ASCII name), readings posted through the
ingest API, and an API key to read the series API as an independent check."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from telemetry import registry
from tenants import apikeys
from tenants.scoping import tenant_context
from tests.conftest import Account, login

MACHINES = ("Drehbank Süd", "车床 1")


@dataclass
class Plant:
    """A company, its owner, machines (name -> id, token) and an API key header."""

    account: Account
    zone: ZoneInfo
    devices: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    api_headers: dict[str, str] = field(default_factory=dict)

    def day(self, days_ago: int) -> date:
        """A local day some days before today in the company's zone."""
        return datetime.now(self.zone).date() - timedelta(days=days_ago)

    def at(self, day: date, hours: float) -> datetime:
        """The UTC instant `hours` after local midnight of a day."""
        return datetime.combine(day, time(0), self.zone).astimezone(UTC) + timedelta(hours=hours)


def post_power(client, token: str, start: datetime, end: datetime, power_w: float, step_s: int = 300) -> None:
    """Readings of constant power every `step_s` seconds from start to end (both included)."""
    readings, moment = [], start
    while moment <= end:
        readings.append({"ts": moment.isoformat().replace("+00:00", "Z"), "power_w": power_w})
        moment += timedelta(seconds=step_s)
    response = client.post("/api/v1/readings", json=readings, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["accepted"] == len(readings)


def make_plant(db, make_account, name: str, email: str, timezone_name: str, country: str = "DE",
               currency: str = "EUR", machines=MACHINES) -> Plant:
    """A company with machines and an API key, created through the domain."""
    account = make_account(name, email, timezone=timezone_name, currency=currency, country=country)
    plant = Plant(account, ZoneInfo(timezone_name))
    with db.session() as session, tenant_context(account.tenant_id):
        for machine in machines:
            device, plant.tokens[machine] = registry.create_device(session, {"name": machine})
            session.flush()
            plant.devices[machine] = device.id
        _key, secret = apikeys.create_key(session, "reports test")
        session.flush()  # inside the tenant context: the session commits after it ends
        plant.api_headers = {"Authorization": f"Bearer {secret}"}
    return plant


@pytest.fixture
def shanghai(db, make_account) -> Plant:
    """A company in Asia/Shanghai (no DST: every day has 24 hours) in CNY."""
    return make_plant(db, make_account, "Präzision Müller 精工", "owner@mueller.test", "Asia/Shanghai", "CN", "CNY")


@pytest.fixture
def owner_of(client):
    """Log the test client in as a plant's owner."""
    def log_in(plant: Plant):
        assert login(client, plant.account.email).status_code == 302
        return client
    return log_in


def read_csv(response, delimiter: str = ",") -> list[dict]:
    """The rows of a CSV answer (checks the UTF-8 byte order mark)."""
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))
