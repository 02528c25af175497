"""Past a device's or a tenant's rate limit, ingest answers 429 with Retry-After and stores nothing."""
import pytest

from telemetry import registry
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings


@pytest.fixture
def limited_app_config(app_config):
    app_config.update(INGEST_DEVICE_LIMIT="3/minute", INGEST_TENANT_LIMIT="5/minute")
    return app_config


def _post(client, token, second):
    return client.post("/api/v1/readings", json={"ts": f"2026-11-24T08:00:{second:02d}Z", "power_w": 1},
                       headers={"Authorization": f"Bearer {token}"})


def test_device_limit_then_tenant_limit(limited_app_config, client, db, meter):
    statuses = [_post(client, meter.token, s).status_code for s in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = _post(client, meter.token, 10)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["error"] and limited.get_json()["accepted"] == 0
    with db.session() as session, tenant_context(meter.tenant_id):
        _other, other_token = registry.create_device(session, {"name": "second"})
        session.flush()
    assert [_post(client, other_token, s).status_code for s in range(3)] == [202, 202, 429], \
        "the tenant's limit (5) counts every device"
    assert len(stored_readings(db, meter.tenant_id)) == 5


def test_emoncms_and_influx_answer_429_in_their_own_shape(limited_app_config, client, meter):
    for second in range(3):
        _post(client, meter.token, second)
    emon = client.get("/input/post", query_string={"node": "x", "fulljson": '{"power1": 1}', "apikey": meter.token})
    assert emon.status_code == 429 and emon.headers["Retry-After"] and emon.get_json()["success"] is False
    influx = client.post("/api/v2/write", data=b"power,device=x value=1",
                         headers={"Authorization": f"Token {meter.token}"})
    assert influx.status_code == 429 and influx.get_json()["code"] == "too many requests"
