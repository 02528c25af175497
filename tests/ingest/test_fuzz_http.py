"""Property test over HTTP: random bodies and parameters thrown at every ingest endpoint never
cause a 5xx, and the rows stored are exactly the items the answer counted as accepted (nothing
at all for a 4xx answer), each a plausible reading."""
from __future__ import annotations

import base64
import json
import math
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from telemetry.models import Device
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings
from tests.ingest.fuzz_requests import COUNTED, ENDPOINTS, Call

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_HTTP_EXAMPLES", "60")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
RANGES = {"power_w": (-1000.0, 10e6), "energy_wh": (0.0, 1e15), "voltage_v": (0.0, 100e3),
          "current_a": (0.0, 100e3), "power_factor": (-1.0, 1.0)}
"""What DESIGN.md and the plausibility checks allow a stored reading to hold."""


@pytest.fixture(autouse=True)
def unlimited_ingest(app_config):
    """No rate limit in the way of hundreds of requests from one device."""
    app_config["INGEST_DEVICE_LIMIT"] = app_config["INGEST_TENANT_LIMIT"] = "1000000/minute"
    return app_config


def fill(value, secrets: dict[str, str]):
    """`value` with the credential placeholders replaced."""
    if isinstance(value, str):
        for name, secret in secrets.items():
            value = value.replace("{" + name + "}", secret)
        return value
    if isinstance(value, bytes):
        return fill(value.decode("latin-1"), secrets).encode("latin-1")
    if isinstance(value, dict):
        return {key: fill(item, secrets) for key, item in value.items()}
    return value


def send(client, call: Call, secret: str):
    """Send a generated request with the given credential."""
    secrets = {"secret": secret, "b64secret": base64.b64encode(f"user:{secret}".encode()).decode()}
    return client.open(fill(call.path, secrets), method=call.method, query_string=fill(call.query, secrets),
                       data=fill(call.body, secrets), content_type=call.content_type,
                       headers=fill(call.headers, secrets))


def assert_plausible(row: dict, sent_at: datetime) -> None:
    """A stored reading is one DESIGN.md allows: in the accepted time window, finite values in range."""
    assert sent_at - timedelta(days=730, minutes=1) <= row["ts"] <= sent_at + timedelta(minutes=6), row
    values = [row[name] for name in RANGES if row[name] is not None]
    for name, (low, high) in RANGES.items():
        if row[name] is not None:
            assert math.isfinite(row[name]) and low <= row[name] <= high, row
    extra = row["extra"] or {}
    assert isinstance(extra, dict) and len(extra) <= 64, row
    for key, value in extra.items():
        assert isinstance(key, str) and key.isprintable() and len(key) <= 64, row
        assert isinstance(value, (int, float)) and not isinstance(value, bool), row
        assert math.isfinite(value) and abs(value) <= 1e15, row
    assert values or extra, f"a stored reading has no value: {row}"


def answer_count(response) -> int | None:
    """The accepted count of a JSON answer, or None when the answer has none."""
    try:
        body = json.loads(response.get_data())
    except ValueError:
        return None
    return body.get("accepted") if isinstance(body, dict) else None


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@FUZZ
@given(data=st.data())
def test_random_requests_never_fail_and_store_only_what_was_accepted(endpoint, client, db, meter, sql, data):
    call = data.draw(ENDPOINTS[endpoint], label="request")
    secret = {"device": meter.token, "gateway": meter.gateway, "bad": "0123456789abcdef" * 2}[call.secret]
    sql("DELETE FROM readings")  # examples share the test's database: start each from no readings
    sent_at = datetime.now(UTC)
    response = send(client, call, secret)
    detail = f"{call}\n-> {response.status_code} {response.get_data()[:300]!r}"
    assert response.status_code < 500, detail
    rows = stored_readings(db, meter.tenant_id)
    accepted = answer_count(response)
    event(f"HTTP {response.status_code}, {'rows stored' if rows else 'nothing stored'}")
    if not 200 <= response.status_code < 300:
        assert rows == [] and accepted in (None, 0), detail
        return
    assert call.secret != "bad", f"an unknown key was accepted: {detail}"
    for row in rows:
        assert_plausible(row, sent_at)
    if endpoint in COUNTED:
        assert accepted == len(rows), detail


def test_gateway_names_find_their_device_in_any_case_and_script(client, db, meter):
    """Found by this fuzzing: a second post naming "Ölpumpe" missed the device (SQLite's lower()
    folds ASCII only) and failed on the unique name, answering 503 to every retry."""
    start = datetime.now(UTC) - timedelta(hours=1)
    for second, name in enumerate(["Ölpumpe", "Ölpumpe", "ÖLPUMPE", "ölpumpe", "LATHE-1"]):
        response = client.post("/api/v1/readings", headers={"Authorization": f"Bearer {meter.gateway}"}, json={
            "device": name, "power_w": 5.0, "ts": (start + timedelta(seconds=second)).isoformat()})
        assert response.status_code == 202 and response.get_json()["accepted"] == 1, response.get_data()
    with db.session() as session, tenant_context(meter.tenant_id):
        assert sorted(session.scalars(select(Device.name))) == ["lathe-1", "Ölpumpe"]
    assert [r["device"] for r in stored_readings(db, meter.tenant_id)] == ["lathe-1"] + ["Ölpumpe"] * 4
