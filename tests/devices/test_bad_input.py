"""Bad input on the machine forms: a 4xx answer with the reason on the page, and nothing stored."""
from __future__ import annotations

import pytest

from tests.conftest import post_form
from tests.devices.conftest import GOOD_FORM

CASES = [
    ({"name": ""}, 422, "This field is required."),
    ({"name": "   "}, 422, "This field is required."),
    ({"off_below_w": "600", "run_above_w": "500"}, 422, "Running above must not be less than Off below."),
    ({"input_map": "power1 power_w"}, 422, "Line 1: write it as firmware name = field"),
    ({"input_map": "power1 = power_w\nvrms = volts"}, 422, "Line 2: the field must be one of power_w"),
    ({"rated_w": "lots"}, 422, "Enter a number, e.g. 1500 or 7.5."),
    ({"rated_w": "-5"}, 422, "Enter a number from 0 to 1e+07."),
    ({"max_gap_s": "12.5"}, 422, "Enter a whole number of seconds."),
    ({"max_gap_s": "5"}, 422, "Enter a number from 10 to 86400."),
    ({"off_below_w": "nan"}, 422, "Enter a number, e.g. 1500 or 7.5."),
    ({"kind": "toaster"}, 422, "Not a valid choice"),
    ({"name": "x" * 101}, 422, "Field cannot be longer than 100 characters."),
]


@pytest.mark.parametrize(("change", "status", "reason"), CASES, ids=[str(c[0])[:40] for c in CASES])
def test_new_machine_refused_with_reason(owner_client, count_devices, change, status, reason):
    response = post_form(owner_client, "/devices/new", {**GOOD_FORM, **change})
    assert response.status_code == status
    assert reason in response.get_data(as_text=True)
    assert count_devices() == (0, 0)


def test_duplicate_name_refused(owner_client, make_device, count_devices):
    make_device("Lathe 3")
    response = post_form(owner_client, "/devices/new", {**GOOD_FORM, "name": "lathe 3"})
    assert response.status_code == 409
    assert "A device named lathe 3 already exists." in response.get_data(as_text=True)
    assert count_devices() == (1, 0)


@pytest.mark.parametrize(("change", "status", "reason"), CASES[2:6], ids=[str(c[0])[:40] for c in CASES[2:6]])
def test_edit_refused_with_reason_and_nothing_changed(owner_client, make_device, device_row, change, status, reason):
    device_id, _token = make_device("Mill", off_below_w=10, run_above_w=100)
    before = device_row(device_id)
    response = post_form(owner_client, f"/devices/{device_id}/edit", {**GOOD_FORM, "name": "Mill", **change})
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert reason in page and '<details class="edit" open>' in page, "the edit form opens with its errors"
    assert device_row(device_id) == before


def test_edit_to_a_taken_name_is_refused(owner_client, make_device, device_row):
    make_device("Taken")
    device_id, _token = make_device("Mine")
    response = post_form(owner_client, f"/devices/{device_id}/edit", {**GOOD_FORM, "name": "TAKEN"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "A device named TAKEN already exists." in page
    assert "<h1>Mine</h1>" in page, "the page shows the stored machine, not the refused values"
    assert device_row(device_id)["name"] == "Mine"


def test_gateway_key_needs_a_name(owner_client):
    response = post_form(owner_client, "/devices/gateway-keys", {"name": ""})
    assert response.status_code == 422 and "This field is required." in response.get_data(as_text=True)
    assert "No gateway keys yet." in response.get_data(as_text=True)


def test_unknown_machine_is_404(owner_client):
    assert owner_client.get("/devices/999999").status_code == 404
    assert post_form(owner_client, "/devices/999999/delete").status_code == 404
