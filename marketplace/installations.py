"""Installations: a tenant subscribes to a published module (consenting to its scopes, for chosen
devices, with an optional monthly cap), the module gets a token by webhook, the tenant unsubscribes.

Installations link two platform tables, so they are not scoped by tenants.scoping: every tenant-side
function here filters by the current tenant itself (`require_tenant_id`, which fails without one).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import webhooks
from marketplace.manifest import Manifest, Pricing
from marketplace.models import Installation, Module
from marketplace.modules import live_manifest
from marketplace.tokens import TOKEN_KIND
from telemetry.models import Device
from tenants import credentials
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.models import Tenant, User
from tenants.scoping import require_tenant_id

DEVICE_SCOPES = ("devices:read", "readings:read")
MAX_CAP_MINOR = 10_000_000_000


def published_module(session: Session, slug: str) -> tuple[Module, Manifest]:
    """A module tenants can see and subscribe to, with its live manifest; NotFound otherwise."""
    module = session.scalar(select(Module).where(Module.slug == slug, Module.status == "published"))
    manifest = live_manifest(module) if module is not None else None
    if module is None or manifest is None:
        raise NotFound()
    return module, manifest


def subscribe(session: Session, tenant: Tenant, module: Module, user: User, device_ids: list[int],
              monthly_cap_minor: int | None, now: datetime | None = None) -> Installation:
    """Install a published module for the current tenant and queue its `installation.created` webhook."""
    manifest = live_manifest(module)
    if module.status != "published" or manifest is None or tenant.id != require_tenant_id():
        raise NotFound()
    if tenant.currency not in manifest.pricing.prices:
        raise DomainError(N_("This module has no price in %(currency)s yet, so it cannot be installed."),
                          currency=tenant.currency)
    if active_installation(session, module.id) is not None:
        raise Conflict(N_("This module is already installed."))
    installation = Installation(
        tenant_id=tenant.id, module_id=module.id, status="active", scopes=list(manifest.scopes),
        scopes_version=module.scopes_version, device_ids=_checked_devices(session, device_ids, manifest),
        events=list(manifest.events), pricing=manifest.as_json()["pricing"],
        monthly_cap_minor=_checked_cap(monthly_cap_minor), installed_by_id=user.id, notified_states={},
        created_at=now or utcnow())
    session.add(installation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a second click installed it at the same moment
        raise Conflict(N_("This module is already installed.")) from None
    webhooks.enqueue(session, installation, module, "installation.created", {"installation": installation_json(
        installation, tenant)}, now=now)
    return installation


def change_consent(session: Session, installation: Installation, module: Module, device_ids: list[int],
                   monthly_cap_minor: int | None) -> Installation:
    """Consent again: to the module's current scopes, for these devices, with this cap."""
    manifest = live_manifest(module)
    if installation.status != "active" or manifest is None:
        raise NotFound()
    installation.scopes, installation.scopes_version = list(manifest.scopes), module.scopes_version
    installation.events, installation.pricing = list(manifest.events), manifest.as_json()["pricing"]
    installation.device_ids = _checked_devices(session, device_ids, manifest)
    installation.monthly_cap_minor = _checked_cap(monthly_cap_minor)
    return installation


def unsubscribe(session: Session, installation_id: int, now: datetime | None = None) -> Installation:
    """Stop the installation at once: billing stops, the token dies, the partner is told."""
    installation = tenant_installation(session, installation_id)
    if installation.status != "active":
        raise Conflict(N_("This module was already removed."))
    installation.status, installation.deleted_at = "deleted", now or utcnow()
    credentials.unregister(session, TOKEN_KIND, installation.id)
    module = session.get_one(Module, installation.module_id)
    tenant = session.get_one(Tenant, installation.tenant_id)
    webhooks.cancel_pending(session, installation.id)
    webhooks.enqueue(session, installation, module, "installation.deleted",
                     {"installation": installation_json(installation, tenant)}, now=now)
    return installation


def tenant_installation(session: Session, installation_id: int) -> Installation:
    """One of the current tenant's installations (any status); NotFound for others'."""
    installation = session.scalar(select(Installation).where(
        Installation.id == installation_id, Installation.tenant_id == require_tenant_id()))
    if installation is None:
        raise NotFound()
    return installation


def active_installation(session: Session, module_id: int) -> Installation | None:
    """The current tenant's active installation of a module, if any."""
    return session.scalar(select(Installation).where(
        Installation.tenant_id == require_tenant_id(), Installation.module_id == module_id,
        Installation.status == "active"))


def tenant_installations(session: Session) -> list[tuple[Installation, Module]]:
    """The current tenant's active installations with their modules, newest first."""
    rows = session.execute(select(Installation, Module).join(Module, Module.id == Installation.module_id).where(
        Installation.tenant_id == require_tenant_id(), Installation.status == "active")
        .order_by(Installation.created_at.desc(), Installation.id.desc()))
    return [(installation, module) for installation, module in rows]


def consented_pricing(installation: Installation) -> Pricing:
    """The pricing the company agreed to (what it is billed by until it consents to a change)."""
    pricing = installation.pricing
    return Pricing(pricing["model"], dict(pricing["prices"]), pricing.get("unit_name"))


def needs_consent(installation: Installation, module: Module) -> bool:
    """Whether the module's scopes, events or prices changed since the company consented."""
    return installation.scopes_version < module.scopes_version


def granted_scopes(installation: Installation, module: Module) -> frozenset[str]:
    """The scopes the module may use: consented to, and still requested by its live version."""
    manifest = live_manifest(module)
    return frozenset(installation.scopes) & frozenset(manifest.scopes if manifest else ())


def installation_json(installation: Installation, tenant: Tenant) -> dict:
    """An installation as partners see it (webhooks and the partner API)."""
    return {"id": installation.id, "status": installation.status,
            "tenant": {"id": tenant.id, "name": tenant.name, "timezone": tenant.timezone, "currency": tenant.currency},
            "scopes": list(installation.scopes), "device_ids": list(installation.device_ids),
            "monthly_cap_minor": installation.monthly_cap_minor,
            "created_at": installation.created_at.isoformat().replace("+00:00", "Z")}


def _checked_devices(session: Session, device_ids: list[int], manifest: Manifest) -> list[int]:
    wanted = sorted({int(i) for i in device_ids})
    found = set(session.scalars(select(Device.id).where(Device.id.in_(wanted), Device.status == "active")))
    if len(found) != len(wanted):
        raise DomainError(N_("Choose machines of this company that are active."))
    if not found and set(manifest.scopes) & set(DEVICE_SCOPES):
        raise DomainError(N_("Choose at least one machine the module may see."))
    return wanted


def _checked_cap(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAP_MINOR:
        raise DomainError(N_("The monthly cap must be a positive amount, or empty for no cap."))
    return value
