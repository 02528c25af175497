"""Fixtures for ingest: a tenant in Europe/Berlin with a device token and a gateway key."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from telemetry import registry
from telemetry.models import Device, Reading
from tenants.scoping import tenant_context


@dataclass
class Meter:
    """A tenant with one device (and its token) and a gateway key."""

    tenant_id: int
    device_id: int
    token: str
    gateway: str


@pytest.fixture
def meter(db, make_account):
    account = make_account("Berlin Works", "owner@berlin.test", timezone="Europe/Berlin")
    with db.session() as session, tenant_context(account.tenant_id):
        device, token = registry.create_device(session, {"name": "lathe-1", "kind": "smart_plug"})
        _key, gateway = registry.create_gateway_key(session, "site gateway")
        session.flush()
        return Meter(account.tenant_id, device.id, token, gateway)


def stored_readings(db, tenant_id: int) -> list[dict]:
    """Every stored reading of a tenant with its device name, ordered by device and time."""
    with db.session() as session, tenant_context(tenant_id):
        rows = session.execute(
            select(Reading, Device.name).join(Device, Device.id == Reading.device_id).order_by(Device.name, Reading.ts)
        ).all()
        return [{"device": name, **{c: getattr(r, c) for c in (
            "ts", "received_at", "power_w", "energy_wh", "voltage_v", "current_a", "power_factor", "extra")}}
            for r, name in rows]
