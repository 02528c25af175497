"""The /api/v1/devices contract scripts and integrators rely on."""
from __future__ import annotations

import re

import pytest

from tenants import apikeys
from tenants.scoping import tenant_context


@pytest.fixture
def api(client, db, owner):
    with db.session() as session, tenant_context(owner.tenant_id):
        _key, secret = apikeys.create_key(session, "tests")
        session.flush()
    headers = {"Authorization": f"Bearer {secret}"}

    def call(method: str, path: str, **kwargs):
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def test_create_returns_token_once_then_readings_flow(api, client):
    created = api("POST", "/api/v1/devices", json={"name": "Lathe 1", "kind": "smart_plug", "rated_w": 3000,
                                                    "off_below_w": 15, "run_above_w": 500, "max_gap_s": 120})
    assert created.status_code == 201
    device = created.get_json()
    assert re.fullmatch(r"[0-9a-f]{32}", device["token"])
    assert device["status"] == "active" and device["online"] is False
    assert "token" not in api("GET", f"/api/v1/devices/{device['id']}").get_json()
    posted = client.post("/api/v1/readings", json={"ts": "2026-11-24T08:00:00Z", "power_w": 700},
                         headers={"Authorization": f"Bearer {device['token']}"})
    assert posted.status_code == 202 and posted.get_json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    fetched = api("GET", f"/api/v1/devices/{device['id']}").get_json()
    assert fetched["online"] is True and fetched["last_power_w"] == 700
    readings = api("GET", f"/api/v1/devices/{device['id']}/readings?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z")
    body = readings.get_json()
    assert body["readings"][0]["ts"] == "2026-11-24T08:00:00Z" and body["readings"][0]["power_w"] == 700
    assert set(body["readings"][0]) == {"ts", "received_at", "power_w", "energy_wh", "voltage_v", "current_a",
                                        "power_factor", "extra"}


def test_readings_are_paginated_with_a_cursor(api, client):
    device = api("POST", "/api/v1/devices", json={"name": "Press"}).get_json()
    batch = [{"ts": f"2026-11-24T08:00:{s:02d}Z", "power_w": s} for s in range(25)]
    client.post("/api/v1/readings", json=batch, headers={"Authorization": f"Bearer {device['token']}"})
    seen, after = [], None
    while True:
        query = "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&limit=10" + (f"&after={after}" if after else "")
        page = api("GET", f"/api/v1/devices/{device['id']}/readings?{query}").get_json()
        seen += [r["power_w"] for r in page["readings"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == list(range(25))


def test_rotate_revokes_the_old_token(api, client):
    device = api("POST", "/api/v1/devices", json={"name": "Saw"}).get_json()
    new = api("POST", f"/api/v1/devices/{device['id']}/token").get_json()["token"]
    reading = {"ts": "2026-11-24T08:00:00Z", "power_w": 1}
    assert client.post("/api/v1/readings", json=reading,
                       headers={"Authorization": f"Bearer {device['token']}"}).status_code == 401
    assert client.post("/api/v1/readings", json=reading, headers={"Authorization": f"Bearer {new}"}).status_code == 202


def test_gateway_names_create_pending_devices_kept_until_accepted(api, client):
    key = api("POST", "/api/v1/gateway-keys", json={"name": "Hall A"}).get_json()["key"]
    posted = client.post("/api/v1/readings", json={"device": "compressor", "readings": [
        {"ts": "2026-11-24T08:00:00Z", "power_w": 4000}]}, headers={"Authorization": f"Bearer {key}"})
    assert posted.status_code == 202
    pending = api("GET", "/api/v1/devices?status=pending").get_json()["devices"]
    assert [d["name"] for d in pending] == ["compressor"]
    assert api("GET", "/api/v1/devices").get_json()["total"] == 1, "pending devices are listed with the others"
    accepted = api("POST", f"/api/v1/devices/{pending[0]['id']}/accept").get_json()
    assert accepted["status"] == "active"
    readings = api("GET", f"/api/v1/devices/{accepted['id']}/readings?from=2026-11-24T00:00:00Z").get_json()
    assert len(readings["readings"]) == 1


def test_reject_deletes_a_pending_device_and_its_readings(api, client):
    key = api("POST", "/api/v1/gateway-keys", json={"name": "Hall B"}).get_json()["key"]
    client.post("/api/v1/readings", json={"device": "unknown-plug", "power_w": 3},
                headers={"Authorization": f"Bearer {key}"})
    device_id = api("GET", "/api/v1/devices?status=pending").get_json()["devices"][0]["id"]
    assert api("POST", f"/api/v1/devices/{device_id}/reject").status_code == 204
    assert api("GET", f"/api/v1/devices/{device_id}").status_code == 404


def test_retired_device_token_stops_working(api, client):
    device = api("POST", "/api/v1/devices", json={"name": "Old drill"}).get_json()
    assert api("POST", f"/api/v1/devices/{device['id']}/retire").get_json()["status"] == "retired"
    response = client.post("/api/v1/readings", json={"power_w": 1},
                           headers={"Authorization": f"Bearer {device['token']}"})
    assert response.status_code == 401


@pytest.mark.parametrize(("body", "reason"), [
    ({}, "name is required"),
    ({"name": ""}, "name is required"),
    ({"name": "x", "kind": "toaster"}, "kind must be one of"),
    ({"name": "x", "rated_w": "lots"}, "rated_w must be a number"),
    ({"name": "x", "max_gap_s": 0}, "max_gap_s must be a number"),
    ({"name": "x", "off_below_w": 500, "run_above_w": 100}, "off_below_w must not be above"),
    ({"name": "x", "input_map": {"power1": "watts"}}, "input_map maps"),
    ({"name": "x", "colour": "red"}, "Unknown field"),
    ({"name": "x" * 101}, "too long"),
])
def test_bad_device_input_is_refused_with_a_reason_and_nothing_stored(api, body, reason):
    response = api("POST", "/api/v1/devices", json=body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert reason in response.get_json()["error"]
    assert api("GET", "/api/v1/devices").get_json()["total"] == 0


def test_duplicate_names_conflict(api):
    assert api("POST", "/api/v1/devices", json={"name": "Mill"}).status_code == 201
    assert api("POST", "/api/v1/devices", json={"name": "mill"}).status_code == 409


@pytest.mark.parametrize("query", ["from=yesterday", "from=2026-11-24T00:00:00", "limit=0", "limit=x", "after=nope"])
def test_bad_reading_queries_are_400(api, query):
    device = api("POST", "/api/v1/devices", json={"name": "Q"}).get_json()
    response = api("GET", f"/api/v1/devices/{device['id']}/readings?{query}")
    assert response.status_code == 400 and response.get_json()["error"]


def test_non_json_body_is_400(api):
    assert api("POST", "/api/v1/devices", data="name=x").status_code == 400
    assert api("PATCH", "/api/v1/devices/1", data=b"\xff\xfe").status_code in (400, 404)
