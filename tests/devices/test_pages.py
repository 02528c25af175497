"""The machine pages through real forms (CSRF included): list, add, token once, edit, replace the token,
retire, delete, accept and reject, gateway keys; members look but cannot change."""
from __future__ import annotations

import re

import pytest

from tests.conftest import post_form
from tests.devices.conftest import GOOD_FORM, page_token


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_empty_list_calls_to_action(owner_client):
    page = _html(owner_client.get("/devices"))
    assert "No machines yet" in page and 'href="/devices/new"' in page and "Add your first machine" in page


def test_nav_links_to_machines(owner_client):
    page = _html(owner_client.get("/"))
    assert re.search(r'<a href="/devices"[^>]*>Machines</a>', page)


def test_add_shows_token_once_with_setup_help(owner_client, count_devices, device_row):
    response = post_form(owner_client, "/devices/new", GOOD_FORM)
    assert response.status_code == 201, _html(response)[:500]
    page = _html(response)
    token = page_token(page)
    assert token, "the new token is on the page"
    assert "http://localhost/api/v1/shelly/" + token in page, "setup help carries the real host and token"
    assert "shown only this once" in page
    assert count_devices() == (1, 0)
    device_id = int(re.search(r'/devices/(\d+)/edit', page).group(1))
    stored = device_row(device_id)
    assert [stored[c] for c in ("name", "kind", "site", "line")] == ["Lathe 3", "smart_plug", "Plant 1", "Line A"]
    assert [stored[c] for c in ("rated_w", "off_below_w", "run_above_w", "max_gap_s")] == [3000, 15, 500, 120]

    again = _html(owner_client.get(f"/devices/{device_id}"))
    assert page_token(again) is None and token not in again, "the token is never shown again"
    assert "/api/v1/shelly/&lt;TOKEN&gt;" in again, "later the setup help has a placeholder"


def test_list_shows_live_status(owner_client, make_device, client):
    device_id, token = make_device("Saw 2", site="Hall B", line="L2")
    make_device("Drill 1")
    page = _html(owner_client.get("/devices"))
    assert page.index("Drill 1") < page.index("Saw 2"), "sorted by name"
    assert "Waiting for data" in page and "Hall B · L2" in page and "Smart plug" not in page
    posted = client.post("/api/v1/readings", json={"power_w": 1234.5}, headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 202
    page = _html(owner_client.get("/devices"))
    assert 'class="badge online"' in page and "1,234 W" in page


def test_list_is_paginated_by_50(owner_client, make_device):
    for number in range(51):
        make_device(f"Machine {number:02d}")
    first = _html(owner_client.get("/devices"))
    assert "Machine 49" in first and "Machine 50" not in first and "Page 1 of 2" in first
    second = _html(owner_client.get("/devices?page=2"))
    assert "Machine 50" in second and "Machine 00" not in second
    assert owner_client.get("/devices?page=0").status_code == 400
    assert owner_client.get("/devices?status=bogus").status_code == 400


def test_edit_changes_settings(owner_client, make_device, device_row):
    device_id, _token = make_device("Mill")
    form = {**GOOD_FORM, "name": "Mill 2", "kind": "din_rail", "off_below_w": "5", "run_above_w": "800",
            "input_map": "power1 = power_w\nE1 = energy_wh"}
    response = post_form(owner_client, f"/devices/{device_id}/edit", form)
    assert response.status_code == 302
    stored = device_row(device_id)
    assert (stored["name"], stored["kind"], stored["run_above_w"]) == ("Mill 2", "din_rail", 800)
    assert stored["input_map"] == {"power1": "power_w", "E1": "energy_wh"}
    page = _html(owner_client.get(f"/devices/{device_id}"))
    assert "The settings were saved." in page and "power1 = power_w" in page and "Modbus" in page


def test_rotate_shows_a_new_token_and_the_old_one_stops(owner_client, make_device, client):
    device_id, old = make_device("Grinder")
    response = post_form(owner_client, f"/devices/{device_id}/token")
    assert response.status_code == 200
    new = page_token(_html(response))
    assert new and new != old and f"/api/v1/shelly/{new}" in _html(response), "the setup help has the new token"
    reading = {"power_w": 10}
    assert client.post("/api/v1/readings", json=reading, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.post("/api/v1/readings", json=reading, headers={"Authorization": f"Bearer {new}"}).status_code == 202
    assert page_token(_html(owner_client.get(f"/devices/{device_id}"))) is None


def test_retire_keeps_history_and_stops_the_token(owner_client, make_device, client, device_row):
    device_id, token = make_device("Old lathe")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/readings", json={"power_w": 5}, headers=headers).status_code == 202
    assert post_form(owner_client, f"/devices/{device_id}/retire").status_code == 302
    assert device_row(device_id)["status"] == "retired"
    assert client.post("/api/v1/readings", json={"power_w": 5}, headers=headers).status_code == 401
    assert "is retired" in _html(owner_client.get(f"/devices/{device_id}"))  # (also shows the flash)
    assert "Old lathe" not in _html(owner_client.get("/devices"))
    assert "Old lathe" in _html(owner_client.get("/devices?status=retired"))


def test_delete_removes_machine_and_readings(owner_client, make_device, client, count_devices):
    device_id, token = make_device("Scrap")
    client.post("/api/v1/readings", json={"power_w": 5}, headers={"Authorization": f"Bearer {token}"})
    assert count_devices() == (1, 1)
    page = _html(owner_client.get(f"/devices/{device_id}"))
    assert "Delete Scrap and all its readings? This cannot be undone." in page, "the button confirms"
    response = post_form(owner_client, f"/devices/{device_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/devices")
    assert count_devices() == (0, 0)
    assert owner_client.get(f"/devices/{device_id}").status_code == 404


def test_actions_need_csrf(owner_client, make_device, device_row):
    device_id, _token = make_device("Guarded")
    assert owner_client.post(f"/devices/{device_id}/delete").status_code == 400
    assert device_row(device_id) is not None


@pytest.fixture
def gateway_pending(db, owner, client):
    """A gateway key that named an unknown machine 'compressor' with one reading."""
    from telemetry import registry
    from tenants.scoping import tenant_context

    with db.session() as session, tenant_context(owner.tenant_id):
        _key, secret = registry.create_gateway_key(session, "Hall A")
        session.flush()
    posted = client.post("/api/v1/readings", json={"device": "compressor", "power_w": 4000},
                         headers={"Authorization": f"Bearer {secret}"})
    assert posted.status_code == 202
    return secret


def test_accept_pending_machine(owner_client, gateway_pending, device_row):
    page = _html(owner_client.get("/devices"))
    assert "Waiting for your approval" in page and "compressor" in page
    assert "It is deleted together with the readings it sent." in page, "reject confirms the readings go"
    device_id = int(re.search(r'/devices/(\d+)/accept', page).group(1))
    assert post_form(owner_client, f"/devices/{device_id}/accept").status_code == 302
    assert device_row(device_id)["status"] == "active"
    page = _html(owner_client.get("/devices"))
    assert "Waiting for your approval" not in page and "4,000 W" in page


def test_reject_pending_machine_deletes_its_readings(owner_client, gateway_pending, count_devices, make_device):
    page = _html(owner_client.get("/devices"))
    device_id = int(re.search(r'/devices/(\d+)/reject', page).group(1))
    assert count_devices() == (1, 1)
    assert post_form(owner_client, f"/devices/{device_id}/reject").status_code == 302
    assert count_devices() == (0, 0)
    active_id, _token = make_device("Keep me")
    assert post_form(owner_client, f"/devices/{active_id}/reject").status_code == 409, "only pending ones"
    assert count_devices() == (1, 0)


def test_gateway_keys_create_once_and_revoke(owner_client, client):
    response = post_form(owner_client, "/devices/gateway-keys", {"name": "emonPi hall A"})
    assert response.status_code == 201
    page = _html(response)
    secret = re.search(r'id="gateway-key">([0-9a-f]{32})<', page).group(1)
    assert f"apikey = {secret}" in page, "the emonhub snippet carries the key"
    listing = _html(owner_client.get("/devices/gateway-keys"))
    assert "emonPi hall A" in listing and secret not in listing
    key_id = int(re.search(r'/devices/gateway-keys/(\d+)/revoke', listing).group(1))
    assert "Gateways using it stop sending at once." in listing
    reading = {"device": "press", "power_w": 1}
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/readings", json=reading, headers=headers).status_code == 202
    assert post_form(owner_client, f"/devices/gateway-keys/{key_id}/revoke").status_code == 302
    assert client.post("/api/v1/readings", json=reading, headers=headers).status_code == 401
    assert "revoked" in _html(owner_client.get("/devices/gateway-keys"))


def test_member_sees_everything_read_only(make_member, owner, client_as, make_device, gateway_pending, device_row,
                                          count_devices):
    device_id, _token = make_device("Viewable")
    member = client_as(make_member(owner, "member@acme.test").email)
    listing = _html(member.get("/devices"))
    assert "Viewable" in listing and "compressor" in listing
    assert "/devices/new" not in listing and "/accept" not in listing
    page = _html(member.get(f"/devices/{device_id}"))
    assert member.get(f"/devices/{device_id}").status_code == 200
    assert "Setup help" in page and "/edit" not in page and "/delete" not in page and "can look at machines" in page
    assert member.get("/devices/gateway-keys").status_code == 200
    for url in ("/devices/new", f"/devices/{device_id}/edit", f"/devices/{device_id}/token",
                f"/devices/{device_id}/retire", f"/devices/{device_id}/delete", f"/devices/{device_id}/accept",
                f"/devices/{device_id}/reject", "/devices/gateway-keys"):
        assert post_form(member, url, GOOD_FORM).status_code == 403, url
    assert member.get("/devices/new").status_code == 403
    assert device_row(device_id)["name"] == "Viewable" and device_row(device_id)["status"] == "active"
    assert count_devices() == (2, 1)
