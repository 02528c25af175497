"""Webhooks: signed, delivered at least once with the same event id, retried with backoff for 24 h,
logged for the partner, never sent to private addresses unless the setting allows it."""
from __future__ import annotations

import copy
import hashlib
import hmac
from datetime import timedelta

import pytest

from jobs.module_events import deliver_webhooks
from marketplace import installations, outbound, webhooks
from marketplace.models import Module, WebhookDelivery
from marketplace.signing import module_secret
from services import webhook_delivery
from telemetry import registry
from tenants.clock import utcnow
from tenants.scoping import tenant_context
from tests.marketplace.support import UNIT_MANIFEST, install, publish_module, serve_receiver

SECRET_KEY = "test-secret-key-0123456789"


@pytest.fixture
def receiver():
    server, receiver = serve_receiver()
    receiver.url = server.url + "/hooks"
    yield receiver
    server.stop()


@pytest.fixture
def installed(db, make_account, receiver):
    """Company A subscribed to a module whose webhook URL is the loopback receiver."""
    account = make_account("Alpha Metall", "owner@alpha.test")
    manifest = {**copy.deepcopy(UNIT_MANIFEST), "webhook_url": receiver.url}
    with db.session() as session:
        module = publish_module(session, manifest)
        with tenant_context(account.tenant_id):
            device, _ = registry.create_device(session, {"name": "Lathe"})
            session.flush()
        installation, _token = install(session, account, module, [device.id])
    return {"account": account, "module": module.id, "installation": installation.id, "device": device.id}


def sender(allow_private: bool = True) -> webhooks.Sender:
    return webhooks.Sender(SECRET_KEY, "http://localhost/api/partner/v1", allow_private)


def verify(request: dict, secret: str) -> bool:
    timestamp, _, signature = request["headers"]["Df-Signature"].partition(",v1=")
    timestamp = timestamp.removeprefix("t=")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature) and abs(int(timestamp) - utcnow().timestamp()) < 60


def deliveries(db) -> list[WebhookDelivery]:
    with db.session() as session:
        return list(session.query(WebhookDelivery).order_by(WebhookDelivery.id))


def test_install_webhook_is_signed_and_its_token_works(app, client, db, installed, receiver):
    assert deliver_webhooks(db, sender()) == 1
    [request] = receiver.requests
    with db.session() as session:
        secret = module_secret(SECRET_KEY, session.get(Module, installed["module"]))
    assert verify(request, secret)
    event = receiver.events()[0]
    assert event["type"] == "installation.created" and request["headers"]["Df-Event-Id"] == event["id"]
    assert event["data"]["installation"]["device_ids"] == [installed["device"]]
    token = event["data"]["installation_token"]
    assert token.startswith("dfi_") and event["data"]["api_base"].endswith("/api/partner/v1")
    assert client.get("/api/partner/v1/installation", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    [delivery] = deliveries(db)
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 200
    assert token not in str(delivery.payload)  # the token is never stored
    assert deliver_webhooks(db, sender()) == 0


def test_a_failing_endpoint_is_retried_with_backoff_and_logged(app, client, db, installed, receiver):
    receiver.statuses = [500, 302]
    [delivery] = deliveries(db)
    start = delivery.next_attempt_at
    with db.session() as session:
        webhook_delivery.deliver(db, delivery.id, sender(), start)
    with db.session() as session:
        assert webhook_delivery.deliver(db, delivery.id, sender(), start + timedelta(seconds=29)) is None  # not due
        failed = session.get(WebhookDelivery, delivery.id)
        assert (failed.status, failed.attempts, failed.last_status_code) == ("pending", 1, 500)
        assert failed.next_attempt_at == start + timedelta(seconds=30) and failed.last_error == "HTTP 500"
        log = webhooks.delivery_log(session, session.get(Module, installed["module"]))
        assert [(d.event_type, d.attempts, d.last_status_code) for d in log.deliveries] == [
            ("installation.created", 1, 500)]
        webhook_delivery.deliver(db, delivery.id, sender(), start + timedelta(seconds=30))  # a redirect is a failure
    with db.session() as session:
        webhook_delivery.deliver(db, delivery.id, sender(), start + timedelta(seconds=90))
    first, _redirected, last = receiver.events()
    assert first["id"] == last["id"]  # at least once, with the same event id
    assert first["data"]["installation_token"] != last["data"]["installation_token"]
    stale = client.get("/api/partner/v1/installation",
                       headers={"Authorization": f"Bearer {first['data']['installation_token']}"})
    assert stale.status_code == 401  # each attempt's token replaces the last
    [delivered] = deliveries(db)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == ("delivered", 3, 200)


def test_retries_double_up_to_an_hour_and_stop_after_24_hours(db, installed):
    [delivery] = deliveries(db)
    with db.session() as session:
        module = session.get(Module, installed["module"])
        module.live_manifest = {**module.live_manifest, "webhook_url": "http://127.0.0.1:9/closed"}
    moment, gaps = delivery.next_attempt_at, []
    while True:
        with db.session() as session:
            current = webhook_delivery.deliver(db, delivery.id, sender(), moment)
            if current.status != "pending":
                break
            gaps.append((current.next_attempt_at - moment).total_seconds())
            moment = current.next_attempt_at
    assert gaps[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600] and set(gaps[8:]) == {3600}
    assert current.status == "failed" and moment - delivery.next_attempt_at <= timedelta(hours=24)
    assert current.attempts == len(gaps) + 1 and current.last_status_code is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hooks", "http://10.0.0.1/hooks", "http://169.254.169.254/x",
                                 "http://[::1]/hooks", "http://localhost/hooks"])
def test_private_targets_are_refused_unless_allowed(url):
    with pytest.raises(outbound.TargetRefused):
        outbound.check_target(url, allow_private=False)
    outbound.check_target(url, allow_private=True)
    result = outbound.post_json(url, b"{}", {}, allow_private=False)
    assert result.status_code is None and result.error.startswith("refused:")


def test_a_loopback_webhook_is_not_sent_without_the_setting(db, installed, receiver):
    assert deliver_webhooks(db, sender(allow_private=False)) == 1
    assert receiver.requests == []
    [delivery] = deliveries(db)
    assert delivery.status == "pending" and "127.0.0.1 is not a public address" in delivery.last_error


def test_redeliver_sends_the_same_event_again(db, installed, receiver):
    deliver_webhooks(db, sender())
    [delivery] = deliveries(db)
    with db.session() as session:
        module = session.get(Module, installed["module"])
        webhooks.redeliver(session, module, delivery.id)
    deliver_webhooks(db, sender())
    first, second = receiver.events()
    assert first["id"] == second["id"] and deliveries(db)[0].attempts == 2


def test_unsubscribing_tells_the_partner_and_cancels_the_token(db, installed, receiver):
    with db.session() as session, tenant_context(installed["account"].tenant_id):
        installations.unsubscribe(session, installed["installation"])
    deliver_webhooks(db, sender())
    assert [e["type"] for e in receiver.events()] == ["installation.deleted"]
    created, deleted = deliveries(db)
    assert created.status == "failed" and "removed" in created.last_error
    assert deleted.status == "delivered"
    assert receiver.events()[0]["data"]["installation"]["status"] == "deleted"
