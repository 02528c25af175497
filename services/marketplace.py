"""Use cases of the company's marketplace: the catalogue, a module's page, subscribing with consent, the
installed modules with their spend, consenting again, unsubscribing, and opening a module with its launch
token."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from billing import usage
from marketplace import catalog, installations
from marketplace.installations import DEVICE_SCOPES
from marketplace.manifest import Manifest, Pricing
from marketplace.models import Installation, Module, Partner
from marketplace.modules import live_manifest
from marketplace.signing import launch_token, module_secret
from services.work import committing
from telemetry import registry
from telemetry.models import Device
from tenants.clock import local_today
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.models import Tenant, User

DEVICE_PAGE = 200


@dataclass(frozen=True)
class Catalogue:
    """A page of the catalogue and the ids of the modules the company has installed."""

    found: catalog.CatalogPage
    installed: set[int]


@dataclass(frozen=True)
class ModulePage:
    """A published module's page: the module, its live manifest and partner, the company's active
    installation (None without), whether it asks for consent again, and whether it has a price in the
    company's currency."""

    module: Module
    manifest: Manifest
    partner_name: str
    installation: Installation | None
    needs_consent: bool
    available: bool


@dataclass(frozen=True)
class ConsentPage:
    """What the consent screen shows: the module, its manifest and partner, the installation consented
    to again (None when subscribing), the company's active machines and those chosen so far, the cap so far,
    whether the module needs machines, and whether it has a price in the company's currency."""

    module: Module
    manifest: Manifest
    partner_name: str
    installation: Installation | None
    devices: list[Device]
    chosen_device_ids: list[int]
    cap_minor: int | None
    needs_devices: bool
    available: bool


@dataclass(frozen=True)
class InstalledModule:
    """An active installation with its module, live manifest (None when it has none), the pricing the
    company consented to, this month's reported spend, and whether it asks for consent again."""

    installation: Installation
    module: Module
    manifest: Manifest | None
    pricing: Pricing
    spent_minor: int
    needs_consent: bool


@dataclass(frozen=True)
class Installed:
    """One of the company's active installations with its module and live manifest (None without)."""

    installation: Installation
    module: Module
    manifest: Manifest | None


@dataclass(frozen=True)
class Removed:
    """An installation just removed, and its module's name."""

    installation: Installation
    name: str


def catalogue(session: Session, query: str, category: str | None, page: int) -> Catalogue:
    """A page of published modules matching the search and category, and which of them are installed."""
    found = catalog.browse(session, query, category, page)
    installed = {module.id for _installation, module in installations.tenant_installations(session)}
    return Catalogue(found, installed)


def module_page(session: Session, tenant: Tenant, slug: str) -> ModulePage:
    """A published module's page for the current company (NotFound for unknown or unpublished modules)."""
    module, manifest = installations.published_module(session, slug)
    installation = installations.active_installation(session, module.id)
    return ModulePage(module, manifest, _partner_name(session, module), installation,
                      installation is not None and installations.needs_consent(installation, module),
                      tenant.currency in manifest.pricing.prices)


def subscribe_page(session: Session, tenant: Tenant, slug: str) -> ConsentPage:
    """The consent screen for installing a published module, every active machine chosen (NotFound for
    unknown or unpublished modules); when the module is installed already, its `installation` is the active
    one and it lists no machines (the installation's own consent screen is the place then)."""
    module, manifest = installations.published_module(session, slug)
    installation = installations.active_installation(session, module.id)
    devices = _active_devices(session) if installation is None else []
    return ConsentPage(module, manifest, _partner_name(session, module), installation, devices,
                       [d.id for d in devices], None, _needs_devices(manifest),
                       tenant.currency in manifest.pricing.prices)


def subscribe(session: Session, tenant: Tenant, module: Module, user: User, device_ids: list[int],
              cap_minor: int | None) -> Installation:
    """Install a module for the current company, for these machines with this cap, and queue its
    `installation.created` webhook; a refused choice changes nothing."""
    with committing(session):
        installation = installations.subscribe(session, tenant, module, user, device_ids, cap_minor)
    return installation


def consent_page(session: Session, tenant: Tenant, installation_id: int) -> ConsentPage:
    """The consent screen of an active installation (its machines still active chosen); NotFound for
    other companies' or removed installations and for modules without a live manifest."""
    found = installed_module(session, installation_id)
    if found.manifest is None:
        raise NotFound()
    devices = _active_devices(session)
    active_ids = {d.id for d in devices}
    return ConsentPage(found.module, found.manifest, _partner_name(session, found.module), found.installation,
                       devices, [i for i in found.installation.device_ids if i in active_ids],
                       found.installation.monthly_cap_minor, _needs_devices(found.manifest),
                       tenant.currency in found.manifest.pricing.prices)


def change_consent(session: Session, installation_id: int, device_ids: list[int],
                   cap_minor: int | None) -> Installation:
    """Consent again to the module's current scopes, for these machines with this cap; a refused choice
    changes nothing (NotFound when the installation is no longer active)."""
    found = installed_module(session, installation_id)
    try:
        installations.change_consent(session, found.installation, found.module, device_ids, cap_minor)
    except DomainError:
        session.rollback()
        installed_module(session, installation_id)
        raise
    session.commit()
    return found.installation


def installed_modules(session: Session, tenant: Tenant, now: datetime) -> list[InstalledModule]:
    """The current company's active installations, newest first, with this local month's spend."""
    today = local_today(tenant, now)
    return [InstalledModule(installation, module, live_manifest(module), installations.consented_pricing(installation),
                            usage.month_spend_minor(session, installation.id, today),
                            installations.needs_consent(installation, module))
            for installation, module in installations.tenant_installations(session)]


def installed_module(session: Session, installation_id: int) -> Installed:
    """One of the current company's active installations with its module; NotFound otherwise."""
    installation = installations.tenant_installation(session, installation_id)
    if installation.status != "active":
        raise NotFound()
    module = session.get_one(Module, installation.module_id)
    return Installed(installation, module, live_manifest(module))


def unsubscribe(session: Session, installation_id: int) -> Removed:
    """Remove a module at once: billing stops, its token dies, the partner is told."""
    installation = installations.unsubscribe(session, installation_id)
    module = session.get_one(Module, installation.module_id)
    session.commit()
    return Removed(installation, module.display_name)


def launch_url(session: Session, installation_id: int, user_id: int, platform_key: str, issuer: str,
               now: datetime) -> str:
    """The module's own page with a short-lived launch token saying who opens it for which company (Conflict
    while the platform suspends the module)."""
    found = installed_module(session, installation_id)
    module, manifest, installation = found.module, found.manifest, found.installation
    if module.status != "published" or manifest is None:
        raise Conflict(N_("This module is suspended by the platform and cannot be opened for now."))
    token = launch_token(module_secret(platform_key, module), issuer=issuer, module_slug=module.slug,
                         installation_id=installation.id, tenant_id=installation.tenant_id, user_id=user_id, now=now)
    return _with_token(manifest.launch_url, token)


def _active_devices(session: Session) -> list[Device]:
    """Every active machine of the company, by name (all pages)."""
    found: list[Device] = []
    page = 1
    while True:
        batch = registry.list_devices(session, "active", page=page, per_page=DEVICE_PAGE)
        found.extend(batch.devices)
        if len(found) >= batch.total or not batch.devices:
            return found
        page += 1


def _needs_devices(manifest: Manifest) -> bool:
    return bool(set(manifest.scopes) & set(DEVICE_SCOPES)) or any(e.startswith("device.") for e in manifest.events)


def _partner_name(session: Session, module: Module) -> str:
    partner = session.get(Partner, module.partner_id)
    return partner.name if partner is not None else ""


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("token", token)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
