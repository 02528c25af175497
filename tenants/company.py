"""The current tenant's own settings."""
from __future__ import annotations

from sqlalchemy.orm import Session

from tenants import audit
from tenants.errors import N_, DomainError
from tenants.models import Membership, Tenant
from tenants.team import require_role
from tenants.validation import clean_country, clean_currency, clean_name, clean_timezone


def update_company(session: Session, actor: Membership, *, name: str, country: str, timezone: str,
                   currency: str, currency_locked: bool = False) -> Tenant:
    """Change the company's name, country, time zone and currency (owners and admins); the currency stays
    once usage has been billed in it (`currency_locked`), as invoices never mix currencies."""
    require_role(actor, "owner", "admin")
    tenant = session.get_one(Tenant, actor.tenant_id)
    if currency_locked and clean_currency(currency) != tenant.currency:
        raise DomainError(N_("The currency cannot change once usage has been billed in %(currency)s."),
                          currency=tenant.currency)
    changes = {
        "name": clean_name(name, "company name"), "country": clean_country(country),
        "timezone": clean_timezone(timezone), "currency": clean_currency(currency),
    }
    changed = {key: value for key, value in changes.items() if getattr(tenant, key) != value}
    for key, value in changed.items():
        setattr(tenant, key, value)
    if changed:
        audit.record(session, "settings_changed", actor.user_id, **changed)
    return tenant
