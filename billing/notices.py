"""Billing notices in the notification centre: a cap at 80 % or 100 % in a month, a failed payment.
Each has a key naming its subject, so a job that runs again never adds it twice."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.models import BillingNotice, UsageRecord
from marketplace.models import Installation
from tenants.clock import utcnow
from tenants.db import upsert_insert
from tenants.errors import NotFound
from tenants.models import Tenant
from tenants.scoping import require_tenant_id

THRESHOLDS = ((100, "cap_100"), (80, "cap_80"))


def add_notice(session: Session, key: str, kind: str, details: dict, installation_id: int | None = None) -> bool:
    """Add a notice of the current company unless one with this key exists; True when added."""
    statement = upsert_insert(session, BillingNotice.__table__).values(
        tenant_id=require_tenant_id(), key=key, kind=kind, details=details, installation_id=installation_id,
        created_at=utcnow()).on_conflict_do_nothing().returning(BillingNotice.__table__.c.id)
    return session.execute(statement).first() is not None  # (rowcount is -1 for inserts on psycopg)


def month_spend(session: Session, first: date, end: date, installation_id: int | None = None) -> int:
    """The current company's ledger total from `first` to before `end` (of one installation, if given)."""
    where = [UsageRecord.day >= first, UsageRecord.day < end]
    if installation_id is not None:
        where.append(UsageRecord.installation_id == installation_id)
    return int(session.scalar(select(func.coalesce(func.sum(UsageRecord.amount_minor), 0)).where(*where)) or 0)


def check_caps(session: Session, tenant: Tenant, first: date, end: date) -> int:
    """Add the notices of caps (overall and per installation) reached this month; returns how many were new."""
    added = _check(session, tenant.monthly_cap_minor, month_spend(session, first, end), f"overall:{first:%Y-%m}",
                   {"month": f"{first:%Y-%m}", "currency": tenant.currency}, None)
    installations = session.scalars(select(Installation).where(
        Installation.tenant_id == tenant.id, Installation.status == "active",
        Installation.monthly_cap_minor.is_not(None)))
    for installation in installations:
        spent = month_spend(session, first, end, installation.id)
        added += _check(session, installation.monthly_cap_minor, spent, f"installation:{installation.id}:{first:%Y-%m}",
                        {"month": f"{first:%Y-%m}", "currency": tenant.currency}, installation.id)
    return added


def _check(session: Session, cap: int | None, spent: int, subject: str, details: dict,
           installation_id: int | None) -> int:
    if cap is None:
        return 0
    for percent, kind in THRESHOLDS:
        if spent * 100 >= cap * percent:
            return int(add_notice(session, f"{kind}:{subject}", kind,
                                  {**details, "spent_minor": spent, "cap_minor": cap}, installation_id))
    return 0


def cap_reached(session: Session, installation: Installation, currency: str, day: date) -> bool:
    """Note that a module's charge was refused this month because of its cap (once a month)."""
    first = day.replace(day=1)
    end = (first + timedelta(days=32)).replace(day=1)
    return add_notice(session, f"cap_100:installation:{installation.id}:{first:%Y-%m}", "cap_100",
                      {"month": f"{first:%Y-%m}", "currency": currency, "cap_minor": installation.monthly_cap_minor,
                       "spent_minor": month_spend(session, first, end, installation.id)}, installation.id)


def open_notices(session: Session, limit: int = 50) -> list[BillingNotice]:
    """The current company's notices not dismissed, newest first."""
    return list(session.scalars(select(BillingNotice).where(BillingNotice.dismissed_at.is_(None))
                                .order_by(BillingNotice.created_at.desc(), BillingNotice.id.desc()).limit(limit)))


def dismiss_notice(session: Session, notice_id: int) -> BillingNotice:
    """Hide one of the current company's notices (again is harmless); NotFound for other companies'."""
    notice = session.scalar(select(BillingNotice).where(BillingNotice.id == notice_id))
    if notice is None:
        raise NotFound()
    if notice.dismissed_at is None:
        notice.dismissed_at = utcnow()
    return notice
