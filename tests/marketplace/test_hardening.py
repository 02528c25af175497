"""What a second reading of the marketplace found: malformed partner addresses, suspended modules, tokens
during delivery, events beyond the granted scopes, consented prices, and odd query arguments."""
from __future__ import annotations

import copy

import pytest

from marketplace import modules, outbound, webhooks
from marketplace.manifest import parse_manifest
from marketplace.models import Module, WebhookDelivery
from services import webhook_delivery
from telemetry import registry
from tenants import accounts
from tenants.errors import Conflict, DomainError
from tenants.scoping import tenant_context
from tests.marketplace.support import UNIT_MANIFEST, install, publish_module, serve_receiver

SENDER = webhooks.Sender("test-secret-key-0123456789", "http://localhost/api/partner/v1", True)


@pytest.mark.parametrize("url", ["https://x.example:99999/h", "https://x.example:abc/h", "http://[::1/h"])
def test_malformed_partner_addresses_are_refused_not_crashed_on(url):
    with pytest.raises(DomainError, match="webhook_url"):
        parse_manifest({**UNIT_MANIFEST, "webhook_url": url})
    with pytest.raises(outbound.TargetRefused):
        outbound.check_target(url, allow_private=True)
    assert outbound.post_json(url, b"{}", {}, allow_private=True).error.startswith("refused")


@pytest.fixture
def installed(db, make_account):
    server, receiver = serve_receiver()
    account = make_account("Alpha Metall", "owner@alpha.test")
    with db.session() as session:
        module = publish_module(session, {**copy.deepcopy(UNIT_MANIFEST), "webhook_url": server.url + "/hooks"})
        with tenant_context(account.tenant_id):
            device, _ = registry.create_device(session, {"name": "Lathe"})
            session.flush()
        installation, _token = install(session, account, module, [device.id])
    yield {"module": module.id, "installation": installation.id, "receiver": receiver, "account": account}
    server.stop()


def test_a_suspended_modules_events_are_held_without_using_up_attempts(db, installed):
    with db.session() as session:
        modules.suspend(session.get(Module, installed["module"]), accounts.find_user(session, "ops@platform.test"),
                        "Under investigation.")
    with db.session() as session:
        [delivery] = session.query(WebhookDelivery).all()
        webhook_delivery.deliver(db, delivery.id, SENDER)
    with db.session() as session:
        held = session.get(WebhookDelivery, delivery.id)
        assert (held.status, held.attempts, held.last_error) == ("pending", 0, "held: the module is suspended")
    assert installed["receiver"].requests == []


def test_earlier_tokens_work_until_an_attempt_is_confirmed(client, db, installed):
    receiver = installed["receiver"]
    receiver.statuses = [500]
    with db.session() as session:
        [delivery] = session.query(WebhookDelivery).all()
        webhook_delivery.deliver(db, delivery.id, SENDER)
    first = receiver.events()[0]["data"]["installation_token"]
    headers = {"Authorization": f"Bearer {first}"}
    assert client.get("/api/partner/v1/installation", headers=headers).status_code == 200  # committed before the POST
    with db.session() as session:
        webhook_delivery.deliver(db, delivery.id, SENDER, delivery.next_attempt_at + webhooks.CLAIM)
    second = receiver.events()[1]["data"]["installation_token"]
    assert client.get("/api/partner/v1/installation", headers=headers).status_code == 401
    assert client.get("/api/partner/v1/installation", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_edits_wait_while_a_review_is_pending_and_price_changes_need_consent(db, installed):
    with db.session() as session:
        module = session.get(Module, installed["module"])
        admin = accounts.find_user(session, "ops@platform.test")
        pricier = {**module.live_manifest, "pricing": {"model": "unit", "unit_name": "report", "prices": {"EUR": 90}}}
        modules.submit_for_review(modules.edit_module(session, module, pricier))
        with pytest.raises(Conflict, match="waits for review"):
            modules.edit_module(session, module, pricier)
        version = module.scopes_version
        modules.approve(module, admin)
        assert module.scopes_version == version + 1  # companies must consent to the new price
    with db.session() as session, tenant_context(installed["account"].tenant_id):
        from billing.usage import report_usage
        from marketplace.models import Installation
        from tenants.models import Tenant

        installation = session.get(Installation, installed["installation"])
        record, _ = report_usage(session, installation, session.get(Module, installed["module"]),
                                 session.get(Tenant, installed["account"].tenant_id),
                                 {"quantity": 1, "idempotency_key": "k"})
        assert record.unit_price_minor == 50  # the price consented to, until the company consents again
        session.flush()


def test_events_need_the_scope_that_covers_what_they_reveal(db, make_account):
    from jobs.module_events import emit_module_events
    from marketplace.models import Installation

    account = make_account("Beta", "owner@beta.test")
    manifest = {**copy.deepcopy(UNIT_MANIFEST), "slug": "no-readings", "scopes": ["devices:read"]}
    with db.session() as session:
        module = publish_module(session, manifest)
        with tenant_context(account.tenant_id):
            device, _ = registry.create_device(session, {"name": "Mill"})
            session.flush()
        installation, _ = install(session, account, module, [device.id])
        from datetime import timedelta

        installation.created_at -= timedelta(days=3)
    emit_module_events(db)
    with db.session() as session:
        kinds = {d.event_type for d in session.query(WebhookDelivery).all()}
        assert "device.daily_summary" not in kinds
        assert session.get(Installation, installation.id).summarised_through is None


@pytest.mark.parametrize("path", ["/marketplace/?page=²", "/api/v1/devices?page=²"])
def test_odd_page_numbers_are_400(owner_client, path):
    assert owner_client.get(path).status_code == 400


def test_times_out_of_range_are_400(owner_client, db, owner):
    with db.session() as session, tenant_context(owner.tenant_id):
        device, _ = registry.create_device(session, {"name": "Saw"})
        session.flush()
    response = owner_client.get(f"/api/v1/devices/{device.id}/readings?to=0001-01-01T00:00:00%2B01:00")
    assert response.status_code == 400 and "out of range" in response.get_json()["error"]
