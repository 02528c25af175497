"""The partner API: an installation token reads only its tenant's consented devices, within its
scopes, reports usage under the cap, posts insights, and dies with the installation."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from billing.models import BillingNotice, UsageRecord
from marketplace import insights, installations
from marketplace.models import Installation, Module
from telemetry import registry
from tenants import apikeys
from tenants.scoping import tenant_context
from tests.analytics_pages.conftest import iso, post_readings
from tests.marketplace.support import UNIT_MANIFEST, install, publish_module


@pytest.fixture
def plant(db, make_account):
    """Company A (two machines, the module installed for the first, cap 120 cents) and company B (one machine)."""
    a = make_account("Alpha Metall", "owner@alpha.test")
    b = make_account("Beta Works", "owner@beta.test")
    with db.session() as session:
        module = publish_module(session)
        with tenant_context(a.tenant_id):
            lathe, lathe_token = registry.create_device(session, {"name": "Lathe"})
            press, _ = registry.create_device(session, {"name": "Press"})
            _key, api_key = apikeys.create_key(session, "reports")
            session.flush()
        with tenant_context(b.tenant_id):
            foreign, _ = registry.create_device(session, {"name": "Foreign mill"})
            session.flush()
        installation, token = install(session, a, module, [lathe.id], cap=120)
    return {"a": a, "b": b, "module": module.id, "installation": installation.id, "token": token, "lathe": lathe.id,
            "lathe_token": lathe_token, "press": press.id, "foreign": foreign.id, "api_key": api_key}


def call(client, method: str, path: str, token: str, **kwargs):
    return client.open("/api/partner/v1" + path, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_installation_and_devices_in_scope(client, plant):
    info = call(client, "GET", "/installation", plant["token"])
    assert info.status_code == 200
    body = info.get_json()
    assert body["device_ids"] == [plant["lathe"]] and body["tenant"]["name"] == "Alpha Metall"
    assert body["module"] == "idle-units" and body["monthly_cap_minor"] == 120 and body["usage_this_month_minor"] == 0
    devices = call(client, "GET", "/devices", plant["token"]).get_json()["devices"]
    assert [d["name"] for d in devices] == ["Lathe"]
    assert call(client, "GET", f"/devices/{plant['lathe']}", plant["token"]).status_code == 200


@pytest.mark.parametrize("which", ["press", "foreign"])
@pytest.mark.parametrize("suffix", ["", "/readings", "/series"])
def test_out_of_scope_and_other_tenants_devices_are_404(client, plant, which, suffix):
    response = call(client, "GET", f"/devices/{plant[which]}{suffix}", plant["token"])
    assert response.status_code == 404
    assert "no such device" in response.get_json()["error"]


def test_series_and_readings_are_the_tenant_apis(client, plant):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    readings = [{"ts": iso(start + timedelta(minutes=m)), "power_w": 500.0 if m % 30 < 20 else 40.0}
                for m in range(0, 110)]
    post_readings(client, plant["lathe_token"], readings)
    for path in (f"/devices/{plant['lathe']}/series?resolution=hour", f"/devices/{plant['lathe']}/readings?limit=50"):
        partner = call(client, "GET", path, plant["token"])
        tenant = client.get("/api/v1" + path, headers={"Authorization": f"Bearer {plant['api_key']}"})
        assert partner.status_code == tenant.status_code == 200
        assert partner.get_json() == tenant.get_json()
    buckets = call(client, "GET", f"/devices/{plant['lathe']}/series?resolution=hour", plant["token"]).get_json()
    assert sum(b["energy_wh"] for b in buckets["buckets"]) > 0


def test_usage_is_counted_once_per_key_and_refused_past_the_cap(client, plant, db):
    first = call(client, "POST", "/usage", plant["token"], json={"quantity": 1, "idempotency_key": "day-1"})
    assert first.status_code == 201 and first.get_json()["amount_minor"] == 50
    again = call(client, "POST", "/usage", plant["token"], json={"quantity": 1, "idempotency_key": "day-1"})
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    clash = call(client, "POST", "/usage", plant["token"], json={"quantity": 2, "idempotency_key": "day-1"})
    assert clash.status_code == 409
    assert call(client, "POST", "/usage", plant["token"],
                json={"quantity": 1, "idempotency_key": "day-2"}).status_code == 201
    refused = call(client, "POST", "/usage", plant["token"], json={"quantity": 1, "idempotency_key": "day-3"})
    assert refused.status_code == 402
    assert "cap" in refused.get_json()["error"] and "150" in refused.get_json()["error"]
    with db.session() as session, tenant_context(plant["a"].tenant_id):
        assert session.query(UsageRecord).count() == 2
        [notice] = session.query(BillingNotice).all()  # the company learns its cap stopped the module
        assert (notice.kind, notice.installation_id) == ("cap_100", plant["installation"])


@pytest.mark.parametrize("body, reason", [
    ({"quantity": 0, "idempotency_key": "k"}, "quantity"),
    ({"quantity": "3", "idempotency_key": "k"}, "quantity"),
    ({"quantity": 1}, "idempotency_key"),
    ({"quantity": 1, "idempotency_key": "k" * 101}, "idempotency_key"),
    ({"quantity": 1, "idempotency_key": "k", "day": "2001-01-01"}, "day"),
    ({"quantity": 1, "idempotency_key": "k", "day": "tomorrow"}, "day"),
])
def test_bad_usage_is_400_with_a_reason_and_nothing_stored(client, plant, db, body, reason):
    response = call(client, "POST", "/usage", plant["token"], json=body)
    assert response.status_code == 400 and reason in response.get_json()["error"]
    assert call(client, "POST", "/usage", plant["token"], data="nope").status_code == 400
    with db.session() as session, tenant_context(plant["a"].tenant_id):
        assert session.query(UsageRecord).count() == 0


def test_insights_are_checked_and_shown_to_the_tenant(client, plant, db):
    posted = call(client, "POST", "/insights", plant["token"], json={
        "kind": "card", "title": "Idle waste yesterday: 3.2 kWh", "body": "Lathe idled 2 h.", "severity": "warning",
        "device_id": plant["lathe"]})
    assert posted.status_code == 201
    assert call(client, "POST", "/insights", plant["token"], json={"kind": "poster", "title": "x"}).status_code == 400
    assert call(client, "POST", "/insights", plant["token"], json={"title": ""}).status_code == 400
    assert call(client, "POST", "/insights", plant["token"], json={"kind": "report", "title": "PDF"}).status_code == 400
    assert call(client, "POST", "/insights", plant["token"],
                json={"title": "x", "url": "javascript:alert(1)"}).status_code == 400
    assert call(client, "POST", "/insights", plant["token"],
                json={"title": "x", "device_id": plant["press"]}).status_code == 404
    with db.session() as session, tenant_context(plant["a"].tenant_id):
        shown = insights.recent_insights(session)
        assert [(v.insight.title, v.module_name) for v in shown] == [("Idle waste yesterday: 3.2 kWh", "Idle Units")]
    with db.session() as session, tenant_context(plant["b"].tenant_id):
        assert insights.recent_insights(session) == []


def test_a_scope_not_granted_is_403(client, db, make_account):
    account = make_account("Gamma", "owner@gamma.test")
    manifest = {**copy.deepcopy(UNIT_MANIFEST), "slug": "read-only", "scopes": ["devices:read"]}
    with db.session() as session:
        module = publish_module(session, manifest)
        with tenant_context(account.tenant_id):
            device, _ = registry.create_device(session, {"name": "Mill"})
            session.flush()
        _installation, token = install(session, account, module, [device.id])
    assert call(client, "GET", "/devices", token).status_code == 200
    for method, path, body in (("GET", f"/devices/{device.id}/series", None), ("POST", "/usage", {"quantity": 1}),
                               ("POST", "/insights", {"title": "x"}), ("GET", f"/devices/{device.id}/readings", None)):
        response = call(client, method, path, token, json=body)
        assert response.status_code == 403 and "scope" in response.get_json()["error"]


def test_bad_tokens_suspension_and_unsubscribe(client, plant, db):
    assert client.get("/api/partner/v1/installation").status_code == 401
    assert call(client, "GET", "/installation", "dfi_not-a-token").status_code == 401
    # a tenant key is not a partner token
    assert call(client, "GET", "/installation", plant["api_key"]).status_code == 401
    with db.session() as session:
        session.get(Module, plant["module"]).status = "suspended"
    assert call(client, "GET", "/installation", plant["token"]).status_code == 403
    with db.session() as session:
        session.get(Module, plant["module"]).status = "published"
    with db.session() as session, tenant_context(plant["a"].tenant_id):
        installations.unsubscribe(session, plant["installation"])
    response = call(client, "GET", "/devices", plant["token"])
    assert response.status_code == 401
    with db.session() as session:
        assert session.get(Installation, plant["installation"]).status == "deleted"


def test_each_installation_has_its_own_rate_limit(client, plant, db, make_account):
    other = make_account("Delta", "owner@delta.test")
    with db.session() as session:
        with tenant_context(other.tenant_id):
            device, _ = registry.create_device(session, {"name": "Saw"})
            session.flush()
        _installation, other_token = install(session, other, session.get(Module, plant["module"]), [device.id])
    statuses = [call(client, "GET", "/installation", plant["token"]).status_code for _ in range(301)]
    assert statuses[:300] == [200] * 300 and statuses[300] == 429
    assert call(client, "GET", "/installation", other_token).status_code == 200
