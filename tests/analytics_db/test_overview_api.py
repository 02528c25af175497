"""GET /api/v1/overview: every machine's state now and today's figures."""
from datetime import UTC, datetime, timedelta

import pytest

from telemetry import registry
from tenants import apikeys
from tenants.scoping import tenant_context


@pytest.fixture
def factory(db, make_account):
    account = make_account("Overview Works", "o@overview.test", timezone="Asia/Kolkata", currency="INR")
    with db.session() as session, tenant_context(account.tenant_id):
        tokens = {}
        for name in ("lathe", "press", "quiet"):
            _device, tokens[name] = registry.create_device(session, {"name": name, "off_below_w": 10,
                                                                     "run_above_w": 1000})
        _key, api_key = apikeys.create_key(session, "o")
        session.flush()
    return tokens, {"Authorization": f"Bearer {api_key}"}


def _post(client, token, start, powers, step=60):
    readings = [{"ts": (start + timedelta(seconds=step * i)).isoformat(), "power_w": p} for i, p in enumerate(powers)]
    assert client.post("/api/v1/readings", json=readings,
                       headers={"Authorization": f"Bearer {token}"}).status_code == 202


def test_overview_shows_state_since_and_todays_energy(client, factory):
    tokens, headers = factory
    client.put("/api/v1/tariff", json={"price_per_kwh": 8.0}, headers=headers)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=20)
    _post(client, tokens["lathe"], start, [2000] * 10 + [400] * 11)  # running, then idle for the last 10 min
    _post(client, tokens["press"], start, [3000] * 21)
    body = client.get("/api/v1/overview", headers=headers).get_json()
    assert body["timezone"] == "Asia/Kolkata" and body["currency"] == "INR"
    by_name = {m["name"]: m for m in body["machines"]}
    assert by_name["lathe"]["state"] == "idle" and by_name["press"]["state"] == "running"
    assert by_name["lathe"]["since"] == (start + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert by_name["quiet"]["state"] == "unknown" and by_name["quiet"]["energy_wh"] == 0
    assert [m["name"] for m in body["machines"]][:2] == ["lathe", "press"], "idle needs attention before running"
    lathe = by_name["lathe"]
    assert lathe["idle_waste_wh"] > 0 and lathe["idle_waste_cost"] == pytest.approx(
        lathe["idle_waste_wh"] / 1000 * 8, rel=1e-4)
    assert body["totals"]["energy_wh"] == pytest.approx(sum(m["energy_wh"] for m in body["machines"]))


@pytest.mark.parametrize("query", ["date=yesterday", "date=2026-13-01"])
def test_bad_date_is_400(client, factory, query):
    _tokens, headers = factory
    response = client.get(f"/api/v1/overview?{query}", headers=headers)
    assert response.status_code == 400 and response.get_json()["error"]
