"""Device events for modules: a state change, going offline, and one summary per device per local day,
each queued once however often the job runs."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jobs.module_events import emit_module_events
from marketplace.models import Installation, WebhookDelivery
from telemetry import registry
from telemetry.models import Device
from tenants.scoping import tenant_context
from tests.analytics_pages.conftest import iso, post_readings
from tests.marketplace.support import install, publish_module

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def installed(db, make_account):
    account = make_account("Alpha Metall", "owner@alpha.test")
    with db.session() as session:
        module = publish_module(session)
        with tenant_context(account.tenant_id):
            device, token = registry.create_device(session, {"name": "Lathe", "max_gap_s": 300})
            session.flush()
        installation, _token = install(session, account, module, [device.id])
    return {"installation": installation.id, "device": device.id, "token": token, "tenant_id": account.tenant_id}


def queued(db, event_type: str) -> list[dict]:
    with db.session() as session:
        rows = session.query(WebhookDelivery).filter_by(event_type=event_type).order_by(WebhookDelivery.id)
        return [row.payload for row in rows]


def test_state_changes_and_offline_are_queued_once(client, db, installed):
    now = datetime.now(UTC).replace(microsecond=0)
    post_readings(client, installed["token"], [{"ts": iso(now - timedelta(minutes=3)), "power_w": 800.0}])
    emit_module_events(db)
    assert queued(db, "device.state_changed") == []  # the first look only notes the state
    post_readings(client, installed["token"], [{"ts": iso(now - timedelta(minutes=1)), "power_w": 40.0}])
    emit_module_events(db)
    emit_module_events(db)
    [changed] = queued(db, "device.state_changed")
    assert changed["data"]["state"] == "idle" and changed["data"]["previous_state"] == "running"
    assert changed["data"]["device"] == {"id": installed["device"], "name": "Lathe"}
    with tenant_context(installed["tenant_id"]), db.session() as session:
        session.get(Device, installed["device"]).last_seen_at = now - timedelta(hours=1)
    emit_module_events(db)
    emit_module_events(db)
    [offline] = queued(db, "device.offline")
    assert offline["data"]["last_seen_at"] == iso(now - timedelta(hours=1))
    assert [e["data"]["state"] for e in queued(db, "device.state_changed")] == ["idle", "offline"]


def test_one_daily_summary_per_device_and_day_once_the_day_is_over(client, db, installed):
    today = datetime.now(BERLIN).date()
    yesterday = today - timedelta(days=1)
    with db.session() as session:
        installation = session.get(Installation, installed["installation"])
        installation.created_at = datetime.combine(yesterday, datetime.min.time(), BERLIN).astimezone(UTC)
    start = datetime.combine(yesterday, datetime.min.time(), BERLIN).replace(hour=8)
    readings = [{"ts": iso(start + timedelta(minutes=m)), "power_w": 900.0 if m < 120 else 50.0} for m in range(240)]
    post_readings(client, installed["token"], readings)
    emit_module_events(db)
    emit_module_events(db)
    [summary] = queued(db, "device.daily_summary")
    assert summary["data"]["date"] == yesterday.isoformat() and summary["data"]["currency"] == "EUR"
    figures = summary["data"]["figures"]
    assert figures["running_s"] == pytest.approx(7200, abs=60) and figures["idle_s"] == pytest.approx(7200, abs=360)
    assert figures["energy_wh"] == pytest.approx(900 * 2 + 50 * 2, rel=0.02)
    with db.session() as session:
        assert session.get(Installation, installed["installation"]).summarised_through == yesterday
