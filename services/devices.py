"""Use cases of the device registry: the machine list and a machine's page, adding, changing, retiring,
accepting, rejecting and deleting machines, their tokens, and gateway keys.

A token or gateway key is returned by the use case that issued it, once: only its hash is stored, so the
page or API answer that shows it is the only place it ever appears. The API's answers (`*_json`) are the
same use cases in the API's JSON shape (telemetry.queries.device_json).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.work import committing
from telemetry import device_status, overview, queries, registry
from telemetry.models import Device, DeviceCredential

PER_PAGE = 50


@dataclass(frozen=True)
class DeviceView:
    """A machine as its page shows it: the device, whether it is online and what it last reported."""

    device: Device
    online: bool
    reported: device_status.ReportedFacts


@dataclass(frozen=True)
class NewToken:
    """A machine with the token just issued for it (shown this once)."""

    view: DeviceView
    token: str


@dataclass(frozen=True)
class DeviceList:
    """A page of the company's machines of one status, the pending ones (listing active machines only),
    and the ids of those online."""

    found: registry.DevicePage
    pending: registry.DevicePage | None
    online: frozenset[int]


@dataclass(frozen=True)
class NewGatewayKey:
    """A gateway key with its secret (shown this once)."""

    key: DeviceCredential
    secret: str


@dataclass(frozen=True)
class MachineView:
    """A machine with its state now (running, idle, off, offline or unknown), since when, and whether it is online."""

    device: Device
    state: str
    since: datetime | None
    online: bool


def _view(device: Device, now: datetime) -> DeviceView:
    return DeviceView(device, queries.is_online(device, now), device_status.facts(device.reported_status))


def device_list(session: Session, status: str, page: int, now: datetime) -> DeviceList:
    """One page (PER_PAGE) of the machines of a status, with the pending ones when the active ones are listed."""
    found = registry.list_devices(session, status, page=page, per_page=PER_PAGE)
    pending = registry.list_devices(session, "pending", per_page=PER_PAGE) if status == "active" else None
    shown = found.devices + (pending.devices if pending else [])
    return DeviceList(found, pending, frozenset(d.id for d in shown if queries.is_online(d, now)))


def device_view(session: Session, device_id: int, now: datetime) -> DeviceView:
    """One of the company's machines for its page (NotFound for other companies')."""
    return _view(registry.get_device(session, device_id), now)


def machine(session: Session, device_id: int, now: datetime) -> MachineView:
    """One of the company's machines with its live state, for the machine (charts) page."""
    device = registry.get_device(session, device_id)
    return MachineView(device, *overview.live_state(device, now))


def add_device(session: Session, values: dict, now: datetime) -> NewToken:
    """Add a machine (values as telemetry.registry takes them) and issue its token; refused values change nothing."""
    device, token = registry.create_device(session, values)
    session.commit()
    return NewToken(_view(device, now), token)


def edit_device(session: Session, device_id: int, values: dict) -> Device:
    """Change some of a machine's settings; refused values are rolled back (the DomainError is raised again)."""
    with committing(session):  # a refusal rolls back: the device object holds the refused values
        device = registry.update_device(session, device_id, values)
    return device


def rotate_token(session: Session, device_id: int, now: datetime) -> NewToken:
    """Revoke a machine's tokens and issue a new one."""
    token = registry.rotate_device_token(session, device_id)
    session.commit()
    return NewToken(device_view(session, device_id, now), token)


def set_status(session: Session, device_id: int, status: str) -> Device:
    """Accept a pending machine ("active") or retire one ("retired": its tokens stop working)."""
    device = registry.set_status(session, device_id, status)
    session.commit()
    return device


def delete_device(session: Session, device_id: int) -> str:
    """Delete a machine with its readings and credentials; returns its name."""
    name = registry.get_device(session, device_id).name
    registry.delete_device(session, device_id)
    session.commit()
    return name


def reject_device(session: Session, device_id: int) -> str:
    """Reject a machine a gateway named: delete it with its readings; returns its name (NotPending for others)."""
    name = registry.reject_device(session, device_id)
    session.commit()
    return name


def gateway_keys(session: Session) -> list[DeviceCredential]:
    """The company's gateway keys, newest first (their secrets are never stored)."""
    return registry.list_gateway_keys(session)


def create_gateway_key(session: Session, name: str) -> NewGatewayKey:
    """Create a gateway key that posts for many machines by name."""
    key, secret = registry.create_gateway_key(session, name)
    session.commit()
    return NewGatewayKey(key, secret)


def revoke_gateway_key(session: Session, key_id: int) -> DeviceCredential:
    """Revoke a gateway key at once (NotFound for other companies' keys)."""
    key = registry.revoke_gateway_key(session, key_id)
    session.commit()
    return key


# --- the same use cases in the API's JSON shape --------------------------------------------------

def devices_json(session: Session, status: str | None, page: int, now: datetime) -> dict:
    """A page (PER_PAGE) of the company's devices (not retired, or of one status) for /api/v1/devices."""
    found = registry.list_devices(session, status, page=page, per_page=PER_PAGE)
    return {"devices": [queries.device_json(d, now) for d in found.devices], "page": page, "total": found.total}


def device_json(session: Session, device_id: int, now: datetime) -> dict:
    """One of the company's devices in the API's shape."""
    return queries.device_json(registry.get_device(session, device_id), now)


def add_device_json(session: Session, values: dict, now: datetime) -> dict:
    """Add a device from the API's JSON; the answer carries its token, shown only this once."""
    added = add_device(session, values, now)
    return {**queries.device_json(added.view.device, now), "token": added.token}


def edit_device_json(session: Session, device_id: int, values: dict, now: datetime) -> dict:
    """Change some fields of a device from the API's JSON."""
    return queries.device_json(edit_device(session, device_id, values), now)


def set_status_json(session: Session, device_id: int, status: str, now: datetime) -> dict:
    """Accept or retire a device through the API."""
    return queries.device_json(set_status(session, device_id, status), now)
