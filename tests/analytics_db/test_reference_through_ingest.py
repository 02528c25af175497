"""The reference trace posted through the ingest API reproduces every daily figure of
tests/fixtures/reference/cnc_berlin_spring.expected.json, whatever order the readings arrive in."""
from __future__ import annotations

import csv
import json
import random

import pytest

from telemetry import registry
from tenants import apikeys
from tenants.scoping import tenant_context
from tests.support import FIXTURES

REFERENCE = FIXTURES / "reference"
EXPECTED = json.loads((REFERENCE / "cnc_berlin_spring.expected.json").read_text())
DURATIONS = ("running_s", "idle_s", "off_s", "nodata_s")
AMOUNTS = ("energy_wh", "running_wh", "idle_wh", "off_wh", "cost")


def _trace() -> list[dict]:
    with (REFERENCE / "cnc_berlin_spring.csv").open() as handle:
        return [{"ts": float(row["ts"]), "power_w": float(row["power_w"]), "energy_wh": float(row["energy_wh"])}
                for row in csv.DictReader(handle)]


@pytest.fixture
def reference_device(db, client, make_account):
    settings = EXPECTED["device"]
    account = make_account("Berlin CNC", "cnc@berlin.test", timezone=settings["timezone"])
    with db.session() as session, tenant_context(account.tenant_id):
        device, token = registry.create_device(session, {
            "name": "cnc", "off_below_w": settings["off_below_w"], "run_above_w": settings["run_above_w"],
            "max_gap_s": settings["max_gap_s"]})
        _key, api_key = apikeys.create_key(session, "reference")
        session.flush()
    headers = {"Authorization": f"Bearer {api_key}"}
    assert client.put("/api/v1/tariff", json={"price_per_kwh": settings["price_per_kwh"]},
                      headers=headers).status_code == 200
    return device.id, token, headers, account.tenant_id


def _post(client, token: str, readings: list[dict], batch: int = 500) -> int:
    accepted = 0
    for i in range(0, len(readings), batch):
        response = client.post("/api/v1/readings", json={"readings": readings[i:i + batch]},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 202, response.get_data(as_text=True)[:300]
        accepted += response.get_json()["accepted"]
    return accepted


def _assert_days(client, device_id: int, headers: dict) -> None:
    days = [d["day"] for d in EXPECTED["days"]]
    response = client.get(f"/api/v1/devices/{device_id}/series?from={days[0]}&to={days[-1]}&resolution=day",
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["timezone"] == "Europe/Berlin" and body["resolution"] == "day"
    assert len(body["buckets"]) == len(EXPECTED["days"])
    for got, want in zip(body["buckets"], EXPECTED["days"]):
        assert got["start"].startswith(want["day"])
        for name in DURATIONS:
            assert abs(got[name] - want[name]) <= 1.0, (want["day"], name, got[name], want[name])
        for name in AMOUNTS:
            assert abs(got[name] - want[name]) <= max(abs(want[name]) * 0.001, 0.01), (
                want["day"], name, got[name], want[name])


@pytest.mark.parametrize("order", ["shuffled", "reversed"])
def test_reference_days_from_ingested_batches(client, reference_device, order):
    device_id, token, headers, _tenant_id = reference_device
    readings = _trace()
    if order == "shuffled":
        random.Random(20260328).shuffle(readings)
    else:
        readings.reverse()
    assert _post(client, token, readings) == len(readings)
    _assert_days(client, device_id, headers)


def test_reference_days_posted_twice_and_read_in_between(client, reference_device):
    device_id, token, headers, _tenant_id = reference_device
    readings = _trace()
    random.Random(7).shuffle(readings)
    half = len(readings) // 2
    _post(client, token, readings[:half])
    client.get(f"/api/v1/devices/{device_id}/series?from=2026-03-28&to=2026-03-30&resolution=day", headers=headers)
    _post(client, token, readings[half:])
    assert _post(client, token, readings) == 0, "the second time every reading is a duplicate"
    _assert_days(client, device_id, headers)
