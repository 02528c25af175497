"""Use cases of a company's settings page: its own settings, its API keys and its audit log."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from billing import ledger
from tenants import apikeys, audit, company
from tenants.apikeys import ApiKey
from tenants.audit import AuditEvent
from tenants.models import Membership, Tenant

AUDIT_PER_PAGE = 50


@dataclass(frozen=True)
class AuditPage:
    """One page of the company's audit log, newest first: its events, its number, how many pages and events
    there are."""

    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def update_company(session: Session, actor: Membership, *, name: str, country: str, timezone: str,
                   currency: str) -> Tenant:
    """Change the current company's name, country, time zone and currency (owners and admins); the currency
    stays once usage has been billed in it. A refused field changes nothing."""
    tenant = company.update_company(session, actor, name=name, country=country, timezone=timezone, currency=currency,
                                    currency_locked=ledger.has_usage(session))
    session.commit()
    return tenant


def api_keys(session: Session) -> list[ApiKey]:
    """The current company's API keys, newest first."""
    return apikeys.list_keys(session)


def create_api_key(session: Session, name: str, actor_user_id: int) -> tuple[ApiKey, str]:
    """Create an API key for the current company; returns it and its secret (shown once, kept nowhere)."""
    key, secret = apikeys.create_key(session, name, actor_user_id)
    session.commit()
    return key, secret


def revoke_api_key(session: Session, key_id: int, actor_user_id: int) -> ApiKey:
    """Revoke one of the current company's API keys at once (NotFound for other companies')."""
    key = apikeys.revoke_key(session, key_id, actor_user_id)
    session.commit()
    return key


def audit_page(session: Session, page: int) -> AuditPage:
    """One page (from 1) of the current company's audit log, newest first."""
    events, total = audit.page_of_events(session, page, AUDIT_PER_PAGE)
    return AuditPage(events, page, max((total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE, 1), total)
