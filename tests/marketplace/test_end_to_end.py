"""The sample module as a real HTTP server on loopback, against the platform as a real HTTP server:
a partner publishes it, an admin approves it, a tenant subscribes; the module receives the signed
install webhook, reads the tenant's series, pushes an insight shown on the overview, reports usage, is
refused past the cap with 402, and loses access (401) after unsubscribe."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from examples.partner_module.app import create_app as create_sample_app
from jobs.module_events import deliver_webhooks
from marketplace.models import Installation
from marketplace.webhooks import Sender
from telemetry import registry
from tenants import accounts
from tenants.clock import utcnow
from tenants.scoping import tenant_context
from tests.analytics_pages.conftest import iso, post_readings
from tests.conftest import PASSWORD, login, post_form
from tests.support.live_server import LiveServer

BERLIN = ZoneInfo("Europe/Berlin")
ADMIN_KEY = "sample-admin-key"
RUN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def allow_private_webhooks(app_config):
    """The sample module listens on 127.0.0.1: let webhooks go there (request before `app`)."""
    app_config["ALLOW_PRIVATE_WEBHOOKS"] = "true"
    return app_config


@pytest.fixture
def sample_server():
    server = LiveServer.bind()
    yield server
    server.stop()


def _user(db, email: str, admin: bool = False) -> None:
    with db.session() as session:
        user = accounts.create_user(session, email=email, password=PASSWORD)
        user.verified_at, user.is_platform_admin = utcnow(), admin


def _client(app, email: str):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _publish(app, db, sample_url: str) -> tuple[int, int, str]:
    """The partner signs up and creates the module, an admin approves it; returns partner, module, secret."""
    _user(db, "dev@leanwatts.test")
    _user(db, "ops@platform.test", admin=True)
    partner = _client(app, "dev@leanwatts.test")
    signed_up = post_form(partner, "/partners/signup", {"name": "Lean Watts", "contact_email": "hi@leanwatts.test"})
    partner_id = int(re.search(r"/partners/(\d+)/", signed_up.headers["Location"]).group(1))
    created = post_form(partner, f"/partners/{partner_id}/modules/new", {
        "name": "Idle Waste Report", "slug": "idle-report", "summary": "A daily report of the money lost idling.",
        "description": "Every morning: **which machine** idled the most.", "categories": ["reports", "energy"],
        "languages": "en", "support_email": "help@leanwatts.test", "webhook_url": sample_url + "/webhooks",
        "launch_url": sample_url + "/launch", "scopes": ["devices:read", "readings:read", "insights:write",
                                                         "usage:write"],
        "events": ["installation.created", "installation.deleted", "device.daily_summary"],
        "pricing_model": "unit", "unit_name": "report", "prices": "EUR 0.50, CNY 4.00", "version": "1.0.0"},
        follow_redirects=True)
    assert created.status_code == 201, created.get_data(as_text=True)[:2000]
    secret = re.search(r"dfs_[0-9a-f]{64}", created.get_data(as_text=True)).group(0)
    module_id = int(re.search(rf"/partners/{partner_id}/modules/(\d+)", created.get_data(as_text=True)).group(1))
    assert post_form(partner, f"/partners/{partner_id}/modules/{module_id}/submit").status_code == 302
    admin = _client(app, "ops@platform.test")
    assert post_form(admin, f"/admin/modules/{module_id}/approve").status_code == 302
    return partner_id, module_id, secret


def _plant(client, db, account) -> list[int]:
    """Two machines with a day of readings yesterday, each idling part of the day."""
    yesterday = datetime.now(BERLIN).date() - timedelta(days=1)
    ids = []
    with tenant_context(account.tenant_id), db.session() as session:
        made = [registry.create_device(session, {"name": name, "run_above_w": 1000}) for name in ("Lathe", "Press")]
        session.flush()
    for (device, token), idle_w in zip(made, (150.0, 300.0)):
        start = datetime.combine(yesterday, datetime.min.time(), BERLIN).replace(hour=7)
        post_readings(client, token, [{"ts": iso(start + timedelta(minutes=m)),
                                       "power_w": 2000.0 if m < 180 else idle_w}
                                      for m in range(0, 360)])
        ids.append(device.id)
    return ids


def test_the_sample_module_end_to_end(allow_private_webhooks, live_server, sample_server, app, db, make_account,
                                      tmp_path):
    owner = make_account("Alpha Metall", "owner@alpha.test")
    tenant_client = _client(app, owner.email)
    device_ids = _plant(tenant_client, db, owner)
    _partner_id, module_id, secret = _publish(app, db, sample_server.url)
    sample = create_sample_app({"DF_MODULE_SECRET": secret, "DF_BASE_URL": live_server.url,
                                "MODULE_SLUG": "idle-report", "DATA_PATH": str(tmp_path / "sample.json"),
                                "ADMIN_KEY": ADMIN_KEY})
    sample_server.serve(sample)

    listed = tenant_client.get("/marketplace/?q=idle").get_data(as_text=True)
    assert "Idle Waste Report" in listed
    subscribed = post_form(tenant_client, "/marketplace/idle-report/subscribe",
                           {"devices": [str(i) for i in device_ids], "cap": "1.00"})
    assert subscribed.status_code == 302, subscribed.get_data(as_text=True)[:2000]
    sender = Sender(app.config["SECRET_KEY"], live_server.url + "/api/partner/v1", allow_private=True)
    assert deliver_webhooks(db, sender) == 1

    with db.session() as session:
        [installation_id] = session.scalars(select(Installation.id).where(Installation.module_id == module_id))
    token = sample.extensions["installations"].get(installation_id)["token"]
    yesterday = datetime.now(BERLIN).date() - timedelta(days=1)
    report = requests.post(f"{sample_server.url}/installations/{installation_id}/run-report",
                           json={"date": yesterday.isoformat()}, headers=RUN, timeout=30)
    assert report.status_code == 200, report.text
    result = report.json()
    assert (result["insight_status"], result["usage_status"]) == (201, 201)
    assert result["report"]["worst_machine"]["name"] == "Press"
    assert result["report"]["idle_waste_kwh"] > 0

    overview = tenant_client.get("/").get_data(as_text=True)
    assert f"Idle waste on {yesterday.isoformat()}" in overview and "Idle Waste Report" in overview

    second = requests.post(f"{sample_server.url}/installations/{installation_id}/run-report",
                           json={"date": (yesterday - timedelta(days=1)).isoformat()}, headers=RUN, timeout=30).json()
    assert second["usage_status"] == 201
    refused = requests.post(f"{sample_server.url}/installations/{installation_id}/run-report",
                            json={"date": (yesterday - timedelta(days=2)).isoformat()}, headers=RUN, timeout=30).json()
    assert refused["usage_status"] == 402 and "cap" in refused["usage_error"]

    opened = tenant_client.get(f"/marketplace/installations/{installation_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].startswith(sample_server.url + "/launch?token=")
    launched = requests.get(opened.headers["Location"], timeout=10)
    assert launched.status_code == 200 and str(installation_id) in launched.text

    page = tenant_client.get(f"/marketplace/installations/{installation_id}/unsubscribe")
    assert page.status_code == 200
    assert post_form(tenant_client, f"/marketplace/installations/{installation_id}/unsubscribe").status_code == 302
    api = requests.get(live_server.url + "/api/partner/v1/installation",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert api.status_code == 401
    gone = requests.post(f"{sample_server.url}/installations/{installation_id}/run-report", json={}, headers=RUN,
                         timeout=30)
    assert gone.status_code == 409
    assert deliver_webhooks(db, sender) == 1
    assert sample.extensions["installations"].get(installation_id) is None
