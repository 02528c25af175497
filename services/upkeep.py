"""The upkeep of one company's readings, run by the scheduler: settling the rollups new readings touched, and
packing the readings of finished days."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select

from telemetry import packing, rollups, settling
from telemetry.models import Device
from tenants.models import Tenant
from tenants.unit_of_work import TenantUnit


def settle_company(unit: TenantUnit) -> int:
    """Recompute the company's rollups that late or new readings touched, leaving devices another settler holds
    to it; returns the buckets written. A transaction per chunk of devices: short device locks."""
    with unit.session() as session:
        device_ids = rollups.dirty_device_ids(session)
    written = 0
    for i in range(0, len(device_ids), settling.CHUNK):
        with unit.session() as session:
            chunk = device_ids[i:i + settling.CHUNK]
            devices = list(session.scalars(select(Device).where(Device.id.in_(chunk))))
            written += settling.settle_devices(session, devices, skip_locked=True)
    return written


def pack_company(unit: TenantUnit, now: datetime) -> int:
    """Move the company's readings of finished days into packed blocks (merging late ones) and drop the blocks
    past its retention; returns the readings moved. A transaction per device-day: safe to stop and run again."""
    with unit.session() as session:
        keep_days = session.scalars(select(Tenant.raw_retention_days).where(Tenant.id == unit.tenant_id)).one()
        packing.drop_expired_blocks(session, keep_days, now)
        device_ids = list(session.scalars(select(Device.id).order_by(Device.id)))
    moved = 0
    for device_id in device_ids:
        pack_day = partial(packing.pack_next_day, device_id=device_id, now=now)
        while day := unit.attempt(pack_day):
            moved += day
    return moved
