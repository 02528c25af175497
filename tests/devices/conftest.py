"""Fixtures of the machine pages: machines made through the registry, and reading a page's token."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from telemetry import registry
from telemetry.models import Device, Reading
from tenants.scoping import tenant_context

TOKEN_ON_PAGE = re.compile(r'id="device-token">([0-9a-f]{32})<')
GOOD_FORM = {"name": "Lathe 3", "kind": "smart_plug", "site": "Plant 1", "line": "Line A", "rated_w": "3000",
             "off_below_w": "15", "run_above_w": "500", "max_gap_s": "120", "input_map": ""}


def page_token(html: str) -> str | None:
    """The device token a page shows, or None."""
    match = TOKEN_ON_PAGE.search(html)
    return match.group(1) if match else None


@pytest.fixture
def make_device(db, owner):
    """Create a machine of the owner's company directly: make_device(name, **fields) -> (id, token)."""
    def make(name: str = "Press 1", status: str = "active", **fields) -> tuple[int, str]:
        with db.session() as session, tenant_context(owner.tenant_id):
            device, token = registry.create_device(session, {"name": name, **fields}, status=status)
            session.flush()
            return device.id, token
    return make


@pytest.fixture
def count_devices(db, owner):
    """How many machines (and readings) the owner's company has."""
    def count() -> tuple[int, int]:
        with db.session() as session, tenant_context(owner.tenant_id):
            return (session.scalar(select(func.count()).select_from(Device)),
                    session.scalar(select(func.count()).select_from(Reading)))
    return count


@pytest.fixture
def device_row(db, owner):
    """The stored machine as a dict of its columns."""
    def row(device_id: int) -> dict | None:
        with db.session() as session, tenant_context(owner.tenant_id):
            device = session.get(Device, device_id)
            return None if device is None else {c.name: getattr(device, c.name) for c in Device.__table__.columns}
    return row
