"""GET /api/v1/devices/<id>/advice: thresholds from the last 7 days of power, and applying them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.analytics_pages.conftest import machine_history, minute_floor, post_readings
from tests.conftest import csrf_token

OFF, RUN = (3.0, 0.5), (2400.0, 150.0)


@pytest.fixture
def bimodal(client, plant):
    """Seven days of the lathe switching between off (~3 W) and running (~2.4 kW) every two hours."""
    end = minute_floor(datetime.now(UTC)) - timedelta(minutes=1)
    readings = machine_history([OFF, RUN], end - timedelta(days=7) + timedelta(minutes=10), end, step_s=300,
                               block_s=7200)
    post_readings(client, plant.tokens["Lathe 1"], readings)
    return plant.devices["Lathe 1"], readings


def test_bimodal_week_gives_thresholds_between_the_modes(client_as, plant, bimodal):
    device_id, readings = bimodal
    body = client_as(plant.member_email).get(f"/api/v1/devices/{device_id}/advice").get_json()
    off_max = max(r["power_w"] for r in readings if r["power_w"] < 100)
    run_min = min(r["power_w"] for r in readings if r["power_w"] >= 100)
    assert off_max < body["off_below_w"] <= body["run_above_w"] < run_min, body
    assert body["reason_code"] == "off_and_running" and "off and running" in body["reason"]
    assert body["apply"] == {"off_below_w": body["off_below_w"], "run_above_w": body["run_above_w"]}
    assert body["current"] == {"off_below_w": 10.0, "run_above_w": 100.0} and body["changes"] is True
    assert body["samples"] >= 2000 and len(body["levels_w"]) == 2


def test_owner_applies_the_advice_with_the_csrf_header(client_as, plant, bimodal):
    device_id, _readings = bimodal
    owner = client_as(plant.owner_email)
    advice = owner.get(f"/api/v1/devices/{device_id}/advice").get_json()
    refused = owner.patch(f"/api/v1/devices/{device_id}", json=advice["apply"])
    assert refused.status_code == 400 and "X-CSRFToken" in refused.get_json()["error"]
    applied = owner.patch(f"/api/v1/devices/{device_id}", json=advice["apply"],
                          headers={"X-CSRFToken": csrf_token(owner)})
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["run_above_w"] == advice["run_above_w"]
    again = owner.get(f"/api/v1/devices/{device_id}/advice").get_json()
    assert again["changes"] is False and again["current"] == advice["apply"]


def test_member_reads_the_advice_but_cannot_apply_it(client_as, plant, bimodal):
    device_id, _readings = bimodal
    member = client_as(plant.member_email)
    advice = member.get(f"/api/v1/devices/{device_id}/advice").get_json()
    response = member.patch(f"/api/v1/devices/{device_id}", json=advice["apply"],
                            headers={"X-CSRFToken": csrf_token(member)})
    assert response.status_code == 403


def test_too_little_data_answers_with_a_clear_reason(client, client_as, plant):
    end = minute_floor(datetime.now(UTC)) - timedelta(minutes=1)
    post_readings(client, plant.tokens["Press 2"], machine_history([OFF, RUN], end - timedelta(minutes=30), end))
    response = client_as(plant.owner_email).get(f"/api/v1/devices/{plant.devices['Press 2']}/advice")
    assert response.status_code == 200
    body = response.get_json()
    assert body["off_below_w"] is None and body["run_above_w"] is None and body["apply"] == {}
    assert body["reason_code"] == "too_few_samples"
    assert body["reason"] == ("Not enough data yet: 30 power readings in the last 7 days, at least 100 are needed.")
    assert body["changes"] is False


def test_readings_older_than_7_days_are_not_used(client, client_as, plant):
    end = minute_floor(datetime.now(UTC)) - timedelta(days=8)
    post_readings(client, plant.tokens["Press 2"],
                  machine_history([OFF, RUN], end - timedelta(days=1), end, step_s=300))
    body = client_as(plant.owner_email).get(f"/api/v1/devices/{plant.devices['Press 2']}/advice").get_json()
    assert body["samples"] == 0 and body["reason_code"] == "too_few_samples"


def test_unknown_or_foreign_device_is_404(client_as, make_account, plant):
    owner = client_as(plant.owner_email)
    assert owner.get("/api/v1/devices/999999/advice").status_code == 404
    stranger = make_account("Other Works", "other@other.test")
    response = client_as(stranger.email).get(f"/api/v1/devices/{plant.devices['Lathe 1']}/advice")
    assert response.status_code == 404 and response.get_json()["error"]


def test_advice_needs_authentication(client, plant):
    assert client.get(f"/api/v1/devices/{plant.devices['Lathe 1']}/advice").status_code == 401
