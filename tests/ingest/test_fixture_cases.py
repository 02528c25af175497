"""Every case of tests/fixtures/devices/cases.json, posted over HTTP, stores exactly its readings."""
from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import pytest

from tests.ingest.conftest import stored_readings
from tests.support import FIXTURES

CASES_FILE = FIXTURES / "devices" / "cases.json"
CASES = json.loads(CASES_FILE.read_text())["cases"]
FIELDS = ("power_w", "energy_wh", "voltage_v", "current_a", "power_factor")


def _fill(value, meter):
    if isinstance(value, str):
        return value.replace("{token}", meter.token).replace("{gateway}", meter.gateway)
    if isinstance(value, dict):
        return {k: _fill(v, meter) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, meter) for v in value]
    return value


def _send(client, request: dict):
    kwargs = {"method": request["method"], "headers": request.get("headers", {}),
              "query_string": request.get("query")}
    for key in ("json", "data"):
        if key in request:
            kwargs[key] = request[key]
    if "body" in request:
        kwargs["data"] = request["body"].encode()
    if "form" in request:
        kwargs["data"] = request["form"]
    return client.open(request["path"], **kwargs)


def _expected_ts(text: str, received_at: datetime, path: str) -> datetime:
    """The time a case names; "receive" is our receive time, for emoncms's endpoints in whole seconds
    (emoncms's PHP time(), which its bulk and post arithmetic uses)."""
    if text.startswith("receive"):
        if path.startswith("/input/"):
            received_at = received_at.replace(microsecond=0)
        return received_at + timedelta(seconds=int(text[len("receive"):] or 0))
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fixture_case(client, db, meter, case):
    request = _fill(case["request"], meter)
    response = _send(client, request)
    assert response.status_code == case["status"], response.get_data(as_text=True)
    if "body" in case:
        assert response.get_data(as_text=True) == case["body"], "answers byte for byte as the firmware expects"
    if "accepted" in case:
        body = response.get_json()
        assert body["accepted"] == case["accepted"]
        assert [r["index"] for r in body["rejected"]] == case["rejected_indexes"]
        assert all(r["error"] for r in body["rejected"])
    stored = stored_readings(db, meter.tenant_id)
    assert len(stored) == len(case["readings"])
    received_at = stored[0]["received_at"] if stored else None
    wanted = sorted(case["readings"], key=lambda r: _expected_ts(r["ts"], received_at, request["path"]))
    for want, got in zip(wanted, sorted(stored, key=lambda r: r["ts"])):
        if "device" in want:
            assert got["device"] == want["device"]
        assert abs((got["ts"] - _expected_ts(want["ts"], received_at, request["path"])).total_seconds()) < 0.001
        for field in FIELDS:
            if field in want:
                assert math.isclose(got[field], want[field], rel_tol=1e-9), (field, got[field], want[field])
            else:
                assert got[field] is None, (field, got[field])
