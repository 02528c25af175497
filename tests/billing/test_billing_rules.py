"""Billing rules found on a second reading: one company's trouble does not stop the others, a refused
module charge is a notice, a reinstall is not billed twice for the same day, the currency is fixed once
billed in, and Stripe's own units for a few currencies."""
from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.models import BillingNotice, UsageRecord
from billing.providers import ProviderError
from billing.stripe_support import stripe_amount
from jobs.billing import run_billing
from marketplace import installations
from telemetry import registry
from telemetry.storage import insert_readings
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.conftest import post_form
from tests.marketplace.support import UNIT_MANIFEST, install, publish_module

DAY = date(2026, 10, 14)
NOON = datetime(2026, 10, 14, 10, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 10, 15, 6, 0, tzinfo=UTC)


def _machine_with_a_reading(db, account, name: str = "Lathe") -> int:
    with tenant_context(account.tenant_id), db.session() as session:
        session.get(Tenant, account.tenant_id).created_at = datetime(2026, 9, 1, tzinfo=UTC)
        device, _ = registry.create_device(session, {"name": name})
        device.active_since = datetime(2026, 9, 1, tzinfo=UTC)
        insert_readings(session, [{"tenant_id": account.tenant_id, "device_id": device.id, "ts": NOON,
                                   "received_at": NOON, "power_w": 900.0, "energy_wh": None, "voltage_v": None,
                                   "current_a": None, "power_factor": None, "extra": None}])
        return device.id


def _rows(db, account, meter: str) -> list[UsageRecord]:
    with tenant_context(account.tenant_id), db.session() as session:
        return list(session.scalars(select(UsageRecord).where(UsageRecord.meter == meter, UsageRecord.day == DAY)))


def test_a_broken_company_does_not_stop_the_others(db, make_account):
    broken, healthy = make_account("Broken", "owner@broken.test"), make_account("Healthy", "owner@healthy.test")
    device = _machine_with_a_reading(db, broken)
    _machine_with_a_reading(db, healthy)
    with db.session() as session:
        installation, _ = install(session, broken, publish_module(session, {
            **copy.deepcopy(UNIT_MANIFEST), "pricing": {"model": "device_day", "prices": {"EUR": 3}}}), [device])
        installation.created_at = datetime(2026, 9, 1, tzinfo=UTC)
        installation.device_ids = None  # a row no code would write: the job must still bill the others
    run_billing(db, NEXT_MORNING)
    assert len(_rows(db, healthy, "platform_device_day")) == 1


def _per_day_module(session, price: int):
    return publish_module(session, {**copy.deepcopy(UNIT_MANIFEST), "pricing": {"model": "device_day",
                                                                               "prices": {"EUR": price}}})


def test_a_module_charge_refused_by_its_cap_is_a_notice(db, make_account):
    account = make_account("Alpha", "owner@alpha.test")
    device = _machine_with_a_reading(db, account)
    with db.session() as session:
        installation, _ = install(session, account, _per_day_module(session, 30), [device], cap=20)
        installation.created_at = datetime(2026, 9, 1, tzinfo=UTC)
    run_billing(db, NEXT_MORNING)
    assert _rows(db, account, "module_device_day") == []  # 30 would pass the cap of 20
    with tenant_context(account.tenant_id), db.session() as session:
        notice = session.scalar(select(BillingNotice).where(BillingNotice.kind == "cap_100"))
        assert notice is not None and notice.installation_id == installation.id


def test_removing_and_installing_again_the_same_day_bills_the_day_once(db, make_account):
    account = make_account("Alpha", "owner@alpha.test")
    device = _machine_with_a_reading(db, account)
    with db.session() as session:
        module = _per_day_module(session, 30)
        first, _ = install(session, account, module, [device])
        first.created_at = datetime(2026, 9, 1, tzinfo=UTC)
        with tenant_context(account.tenant_id):
            installations.unsubscribe(session, first.id, now=NOON)
            session.flush()
        second, _ = install(session, account, module, [device])
        second.created_at = NOON + timedelta(hours=1)
    run_billing(db, NEXT_MORNING)
    assert [row.amount_minor for row in _rows(db, account, "module_device_day")] == [30]


def test_the_currency_is_fixed_once_usage_is_billed(db, owner, owner_client):
    form = {"company": "Acme Metall", "country": "DE", "timezone": "Europe/Berlin", "currency": "USD"}
    _machine_with_a_reading(db, owner)
    run_billing(db, NEXT_MORNING)
    response = post_form(owner_client, "/settings", form)
    assert response.status_code == 422 and "cannot change" in response.get_data(as_text=True)
    with db.session() as session:
        assert session.get(Tenant, owner.tenant_id).currency == "EUR"


@pytest.mark.parametrize("minor, currency, expected", [(1999, "EUR", 1999), (500, "JPY", 500), (150, "ISK", 15000),
                                                       (12340, "KWD", 12340)])
def test_stripe_units(minor, currency, expected):
    assert stripe_amount(minor, currency) == expected


def test_stripe_cannot_take_a_thousandth():
    with pytest.raises(ProviderError):
        stripe_amount(12345, "KWD")
