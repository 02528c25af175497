"""The device registry: create, change, retire, delete and accept devices; tokens and gateway keys."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, overload

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from telemetry import rollups
from telemetry.models import KINDS, STATUSES, Device, DeviceCredential
from tenants import credentials
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.scoping import require_tenant_id
from tenants.secrets import device_secret
from tenants.validation import clean_name

EDITABLE = ("name", "kind", "site", "line", "rated_w", "off_below_w", "run_above_w", "max_gap_s", "input_map")
INPUT_TARGETS = ("power_w", "energy_wh", "energy_kwh", "voltage_v", "current_a", "power_factor")


@dataclass
class DevicePage:
    """One page of devices and the total count."""

    devices: list[Device]
    total: int


class NotPending(Conflict):
    """Only a device a gateway named (still pending) can be rejected; others are deleted instead."""

    def __init__(self) -> None:
        super().__init__(N_("Only machines a gateway named can be rejected; delete this one instead."))


@overload
def _number(value, field: str, low: float, high: float, allow_none: Literal[False] = False) -> float: ...


@overload
def _number(value, field: str, low: float, high: float, allow_none: bool) -> float | None: ...


def _number(value, field: str, low: float, high: float, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low <= float(value) <= high):
        raise DomainError(N_("%(field)s must be a number from %(low)s to %(high)s."), field=field, low=low, high=high)
    return float(value)


def _input_map(value) -> dict:
    if not isinstance(value, dict) or len(value) > 32:
        raise DomainError(N_("input_map must be an object of at most 32 firmware names to fields."))
    for key, target in value.items():
        if not isinstance(key, str) or not 0 < len(key) <= 64 or target not in INPUT_TARGETS:
            raise DomainError(N_("input_map maps a firmware name to one of: %(targets)s."),
                              targets=", ".join(INPUT_TARGETS))
    return dict(value)


def clean_device_fields(values: dict, partial: bool = False) -> dict:
    """Checked device fields from user input; raises DomainError with the reason."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise DomainError(N_("Unknown field(s): %(fields)s."), fields=", ".join(sorted(unknown)))
    if not partial and "name" not in values:
        raise DomainError(N_("The name is required."))
    cleaners = {
        "name": lambda v: clean_name(v if isinstance(v, str) else "", "name", 100),
        "kind": lambda v: v if v in KINDS else _bad_kind(),
        "site": lambda v: _text(v, "site"), "line": lambda v: _text(v, "line"),
        "rated_w": lambda v: _number(v, "rated_w", 0, 10e6, allow_none=True),
        "off_below_w": lambda v: _number(v, "off_below_w", 0, 10e6),
        "run_above_w": lambda v: _number(v, "run_above_w", 0, 10e6),
        "max_gap_s": lambda v: int(_number(v, "max_gap_s", 10, 86400)),
        "input_map": _input_map,
    }
    return {key: cleaners[key](value) for key, value in values.items()}


def _bad_kind():
    raise DomainError(N_("kind must be one of: %(kinds)s."), kinds=", ".join(KINDS))


def _text(value, field: str) -> str:
    if not isinstance(value, str) or len(value) > 100:
        raise DomainError(N_("%(field)s must be text of at most 100 characters."), field=field)
    return value.strip()


def _check_thresholds(device: Device) -> None:
    if device.off_below_w > device.run_above_w:
        raise DomainError(N_("off_below_w must not be above run_above_w."))


def device_named(session: Session, name: str, except_id: int | None = None) -> Device | None:
    """The current tenant's device with this name, ignoring case. Compared in Python: SQLite's
    lower() (and PostgreSQL's under the C locale) folds ASCII only, so "Ölpumpe" would miss "ÖLPUMPE"."""
    exact = session.scalar(select(Device).where(Device.name == name))
    if exact is not None and exact.id != except_id:
        return exact
    key = name.casefold()
    for device_id, other in session.execute(select(Device.id, Device.name).order_by(Device.id)):
        if other.casefold() == key and device_id != except_id:
            return session.get(Device, device_id)
    return None


def _name_taken(session: Session, name: str, except_id: int | None = None) -> bool:
    return device_named(session, name, except_id) is not None


def create_device(session: Session, values: dict, status: str = "active") -> tuple[Device, str]:
    """Create a device of the current tenant and its token; returns both (the token is shown once)."""
    fields = clean_device_fields(values)
    if _name_taken(session, fields["name"]):
        raise Conflict(N_("A device named %(name)s already exists."), name=fields["name"])
    device = Device(**{"kind": "other", "input_map": {}, "off_below_w": 10.0, "run_above_w": 100.0,
                       "max_gap_s": 300, **fields, "status": status,
                       "active_since": None if status == "pending" else utcnow()})
    _check_thresholds(device)
    session.add(device)
    session.flush()
    return device, issue_device_token(session, device)


def get_device(session: Session, device_id: int) -> Device:
    """A device of the current tenant; NotFound otherwise."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(N_("No such device."))
    return device


def list_devices(session: Session, status: str | None = None, page: int = 1, per_page: int = 50) -> DevicePage:
    """The current tenant's devices by name, optionally of one status."""
    if status is not None and status not in STATUSES:
        raise DomainError(N_("status must be one of: %(statuses)s."), statuses=", ".join(STATUSES))
    query = select(Device)
    if status is not None:
        query = query.where(Device.status == status)
    else:
        query = query.where(Device.status != "retired")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(func.lower(Device.name), Device.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return DevicePage(list(rows), total)


def update_device(session: Session, device_id: int, values: dict) -> Device:
    """Change some fields of a device."""
    device = get_device(session, device_id)
    fields = clean_device_fields(values, partial=True)
    if "name" in fields and _name_taken(session, fields["name"], except_id=device.id):
        raise Conflict(N_("A device named %(name)s already exists."), name=fields["name"])
    recompute = any(key in fields and fields[key] != getattr(device, key)
                    for key in ("off_below_w", "run_above_w", "max_gap_s"))
    for key, value in fields.items():
        setattr(device, key, value)
    _check_thresholds(device)
    if recompute:
        rollups.mark_history_dirty(session, device)
    return device


def set_status(session: Session, device_id: int, status: str) -> Device:
    """Accept a pending device (active), retire one, or bring a retired one back."""
    device = get_device(session, device_id)
    device.status = status
    if status != "pending" and device.active_since is None:
        device.active_since = utcnow()
    if status == "retired":
        revoke_device_tokens(session, device.id)
    return device


def delete_device(session: Session, device_id: int) -> None:
    """Delete a device with its readings and credentials."""
    device = get_device(session, device_id)
    revoke_device_tokens(session, device.id)
    session.execute(delete(DeviceCredential).where(DeviceCredential.device_id == device.id))
    session.delete(device)


def reject_device(session: Session, device_id: int) -> str:
    """Reject a pending device: delete it with the readings it sent; returns its name (NotPending for others)."""
    device = get_device(session, device_id)
    if device.status != "pending":
        raise NotPending()
    name = device.name
    delete_device(session, device_id)
    return name


def issue_device_token(session: Session, device: Device) -> str:
    """A new token for the device (older ones keep working until revoked); returned once."""
    secret = device_secret()
    credential = DeviceCredential(kind="device", device_id=device.id, name=device.name, secret_hash="")
    session.add(credential)
    session.flush()
    credential.secret_hash = credentials.register(session, secret, require_tenant_id(), "device", credential.id)
    return secret


def rotate_device_token(session: Session, device_id: int) -> str:
    """Revoke the device's tokens and issue a new one; returned once."""
    device = get_device(session, device_id)
    revoke_device_tokens(session, device.id)
    return issue_device_token(session, device)


def revoke_device_tokens(session: Session, device_id: int) -> None:
    """Revoke every token of a device."""
    for credential in session.scalars(select(DeviceCredential).where(
            DeviceCredential.device_id == device_id, DeviceCredential.revoked_at.is_(None))):
        credential.revoked_at = utcnow()
        credentials.unregister(session, "device", credential.id)


def create_gateway_key(session: Session, name: str) -> tuple[DeviceCredential, str]:
    """A tenant gateway key that posts for many devices by name; returns it and the secret (once)."""
    secret = device_secret()
    credential = DeviceCredential(kind="gateway", name=clean_name(name, "name", 100), secret_hash="")
    session.add(credential)
    session.flush()
    credential.secret_hash = credentials.register(session, secret, require_tenant_id(), "gateway", credential.id)
    return credential, secret


def list_gateway_keys(session: Session) -> list[DeviceCredential]:
    """The current tenant's gateway keys, newest first."""
    return list(session.scalars(select(DeviceCredential).where(DeviceCredential.kind == "gateway")
                                .order_by(DeviceCredential.id.desc())))


def revoke_gateway_key(session: Session, key_id: int) -> DeviceCredential:
    """Revoke a gateway key at once."""
    key = session.get(DeviceCredential, key_id)
    if key is None or key.kind != "gateway":
        raise NotFound()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        credentials.unregister(session, "gateway", key.id)
    return key
