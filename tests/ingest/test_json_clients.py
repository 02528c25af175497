"""The JSON formats with their real encoders against the live app: ThingsBoard's Python SDK
(`tb-mqtt-client`'s HTTP device: connect() posts `{}` and needs a 2xx, as ThingsBoard answers) and the
`senml` package's SenML encoder; native readings posted as a script would with `requests`."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests

from tests.ingest.conftest import stored_readings


@pytest.fixture
def now(clock):
    return clock.set(clock.now.replace(microsecond=0))


def test_thingsboard_sdk_connects_and_its_telemetry_is_stored(live_server, db, meter, now):
    from tb_device_http import TBHTTPDevice

    device = TBHTTPDevice(live_server.url, meter.token)
    try:
        assert device.connect() is True, "connect() posts {} and needs a 2xx with a JSON or empty body"
        device.send_telemetry({"power": 87.5, "energy": 12345, "voltage": 230.1}, timestamp=now - timedelta(seconds=5),
                              queued=False)
        device.send_telemetry({"power": 90.0}, timestamp=now)  # through the SDK's publisher thread
        deadline = time.monotonic() + 10
        while len(stored_readings(db, meter.tenant_id)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        device.stop_publish_worker()
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["energy_wh"], r["voltage_v"]) for r in rows] == [
        (now - timedelta(seconds=5), 87.5, 12345, 230.1), (now, 90.0, None, None)]


def test_an_empty_telemetry_object_stores_nothing_and_answers_200(client, db, meter):
    for body in ({}, {"ts": 1777881600000, "values": {}}, [{}, {}]):
        response = client.post(f"/api/v1/{meter.token}/telemetry", json=body)
        assert response.status_code == 200 and response.get_json() == {"accepted": 0, "duplicates": 0, "rejected": []}
    assert stored_readings(db, meter.tenant_id) == []
    assert client.post("/api/v1/" + "0" * 32 + "/telemetry", json={}).status_code == 401


def test_senml_package_pack_is_stored(live_server, db, meter, now):
    from senml.senml import SenMLDocument, SenMLMeasurement

    base = SenMLMeasurement(name="urn:dev:mac:0024befffe804ff1:", time=int(now.timestamp()) - 10)
    document = SenMLDocument([
        SenMLMeasurement(name="power", unit="W", value=87.5),
        SenMLMeasurement(name="energy", unit="Wh", value=12345),
        SenMLMeasurement(name="voltage", unit="V", value=230.1),
        SenMLMeasurement(name="power", unit="W", value=92.0, time=10),
        SenMLMeasurement(name="energy", unit="kWh", value=12.347, time=10),
    ], base=base)
    response = requests.post(live_server("/api/v1/senml"), data=json.dumps(document.to_json()), timeout=10,
                             headers={"Authorization": f"Bearer {meter.token}",
                                      "Content-Type": "application/senml+json"})
    assert response.status_code == 202, response.text
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["energy_wh"], r["voltage_v"]) for r in rows] == [
        (now - timedelta(seconds=10), 87.5, 12345, 230.1), (now, 92.0, pytest.approx(12347), None)]


def test_native_readings_from_a_script(live_server, db, meter, now):
    readings = [{"ts": (now - timedelta(seconds=s)).isoformat().replace("+00:00", "Z"), "power_w": 100 + s}
                for s in (20, 10, 0)]
    response = requests.post(live_server("/api/v1/readings"), json={"readings": readings}, timeout=10,
                             headers={"Authorization": f"Bearer {meter.token}"})
    assert response.status_code == 202 and response.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    again = requests.post(live_server("/api/v1/readings"), json=readings, timeout=10,
                          headers={"Authorization": f"Bearer {meter.token}"})
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert [r["power_w"] for r in stored_readings(db, meter.tenant_id)] == [120, 110, 100]


def test_a_status_only_native_post_is_kept_on_the_device(client, db, meter):
    response = client.post("/api/v1/readings", json={"voltage_v": 231.0, "relay": 1, "rssi": -70},
                           headers={"Authorization": f"Bearer {meter.token}"})
    assert response.status_code == 202
    assert response.get_json() == {"accepted": 0, "duplicates": 0, "rejected": [], "device_status": 1}
    assert stored_readings(db, meter.tenant_id) == []
