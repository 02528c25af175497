"""Use cases of the partner API: a module acts for one installation, within the scopes and devices the
company consented to. The answers are the API's JSON bodies; the blueprint authenticates, refuses and
renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing import usage
from marketplace import insights, installations, tokens
from marketplace.models import Installation, Module
from marketplace.modules import live_manifest
from services.work import committing
from telemetry import queries
from telemetry.models import Device
from tenants.clock import local_today
from tenants.models import Tenant

PAGE = 50


@dataclass(frozen=True)
class PartnerAccess:
    """An active installation its token names, its module, and the scopes the module may use."""

    installation: Installation
    module: Module
    scopes: frozenset[str]

    @property
    def suspended(self) -> bool:
        """Whether the platform suspended the module (it may not use the API then)."""
        return self.module.status != "published"


def authenticate(session: Session, token: str) -> PartnerAccess | None:
    """The installation an installation token belongs to, with its module and granted scopes; None for a
    token of no active installation."""
    installation = tokens.authenticate(session, token)
    if installation is None:
        return None
    module = session.get_one(Module, installation.module_id)
    return PartnerAccess(installation, module, installations.granted_scopes(installation, module))


def installation(session: Session, access: PartnerAccess, now: datetime) -> dict:
    """The installation: its company, scopes, devices, cap, pricing and this local month's reported spend."""
    installation, module = access.installation, access.module
    tenant = session.get_one(Tenant, installation.tenant_id)
    body = installations.installation_json(installation, tenant)
    body["scopes"] = sorted(access.scopes)
    manifest = live_manifest(module)  # a published module always has one
    return {**body, "module": module.slug, "pricing": manifest.as_json()["pricing"] if manifest else None,
            "usage_this_month_minor": usage.month_spend_minor(session, installation.id, local_today(tenant, now))}


def devices(session: Session, installation: Installation, page: int, now: datetime) -> dict:
    """The devices the company shared with the module, 50 a page, in the tenant API's shape and order."""
    shared = select(Device).where(Device.id.in_(installation.device_ids), Device.status != "retired")
    total = session.scalar(select(func.count()).select_from(shared.subquery())) or 0
    found = session.scalars(shared.order_by(func.lower(Device.name), Device.id).offset((page - 1) * PAGE).limit(PAGE))
    return {"devices": [queries.device_json(d, now) for d in found], "page": page, "total": total}


def shared_device(session: Session, installation: Installation, device_id: int) -> Device | None:
    """A device the company shared with the installation and has not retired (None otherwise)."""
    device = session.get(Device, device_id) if device_id in installation.device_ids else None
    return None if device is None or device.status == "retired" else device


def device(session: Session, installation: Installation, device_id: int, now: datetime) -> dict | None:
    """One shared device in the tenant API's shape (None when it is not shared or retired)."""
    found = shared_device(session, installation, device_id)
    return queries.device_json(found, now) if found is not None else None


def report_usage(session: Session, access: PartnerAccess, data: dict, now: datetime) -> tuple[dict, bool]:
    """Record units the module reports, once per idempotency key, on the company's local day: the record's JSON
    and whether it is new. PaymentRequired (402) past the cap, with the company's cap notice committed."""
    installation, module = access.installation, access.module
    tenant = session.get_one(Tenant, installation.tenant_id)
    with committing(session):
        record, created = usage.report_usage(session, installation, module, tenant, data, now)
    return usage.usage_json(record), created


def post_insight(session: Session, installation: Installation, data: dict) -> dict:
    """Post a card, alert or report link to the company's overview and notification centre; its JSON."""
    with committing(session):
        insight = insights.post_insight(session, installation, data)
    return insights.insight_json(insight)
