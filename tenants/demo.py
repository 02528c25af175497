"""The demo company the quick start offers, so a newcomer can log in at once."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants import accounts
from tenants.clock import utcnow
from tenants.models import Tenant

DEMO_EMAIL = "demo@digital-factory.test"
DEMO_PASSWORD = "demo-factory-2026"
DEMO_SLUG = "demo-factory"


@dataclass
class DemoAccount:
    """How to log in to the demo company."""

    tenant: Tenant
    email: str
    password: str
    created: bool


def ensure_demo_tenant(session: Session) -> DemoAccount:
    """Create the demo company and its verified owner unless they exist."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == DEMO_SLUG))
    if tenant is not None:
        return DemoAccount(tenant, DEMO_EMAIL, DEMO_PASSWORD, created=False)
    owner = accounts.find_user(session, DEMO_EMAIL) or accounts.create_user(
        session, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Owner")
    owner.verified_at = owner.verified_at or utcnow()
    tenant = accounts.create_tenant(session, name="Demo Factory", country="DE", timezone="Europe/Berlin",
                                    currency="EUR", owner=owner)
    return DemoAccount(tenant, DEMO_EMAIL, DEMO_PASSWORD, created=True)
