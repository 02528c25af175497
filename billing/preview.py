"""The live invoice preview: this month's ledger so far by meter and module, and where it is heading."""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.invoices import METER_ORDER, next_month
from billing.models import UsageRecord
from marketplace.models import Module
from tenants.errors import N_, DomainError
from tenants.models import Tenant


@dataclass(frozen=True)
class PreviewLine:
    """Month-to-date usage of one meter (and module)."""

    meter: str
    module_id: int | None
    module_name: str
    quantity: int
    amount_minor: int


@dataclass(frozen=True)
class Preview:
    """Month to date and the projection to the month's end (before tax)."""

    month_start: date
    lines: list[PreviewLine]
    total_minor: int
    projection_minor: int
    days_elapsed: int
    days_in_month: int
    currency: str
    overall_cap_minor: int | None


def month_preview(session: Session, tenant: Tenant, today: date) -> Preview:
    """The current company's month so far (closed days are in the ledger; today is not yet)."""
    first = today.replace(day=1)
    rows = session.execute(
        select(UsageRecord.meter, UsageRecord.module_id, func.sum(UsageRecord.quantity),
               func.sum(UsageRecord.amount_minor))
        .where(UsageRecord.day >= first, UsageRecord.day < next_month(first))
        .group_by(UsageRecord.meter, UsageRecord.module_id)).all()
    names: dict[int | None, str] = {m.id: m.display_name for m in session.scalars(
        select(Module).where(Module.id.in_({r[1] for r in rows if r[1]})))}
    lines = sorted((PreviewLine(meter, module_id, names.get(module_id, ""), int(quantity), int(amount))
                    for meter, module_id, quantity, amount in rows),
                   key=lambda line: (METER_ORDER[line.meter], line.module_name))
    total = sum(line.amount_minor for line in lines)
    days_in_month = monthrange(today.year, today.month)[1]
    elapsed = today.day - 1  # closed days of this month
    projection = round(total * days_in_month / elapsed) if elapsed else 0
    return Preview(first, lines, total, projection, elapsed, days_in_month, tenant.currency, tenant.monthly_cap_minor)


def set_overall_cap(tenant: Tenant, cap_minor: int | None) -> Tenant:
    """Set (or clear, with None) the company's monthly spending cap; reaching it warns, nothing stops."""
    if cap_minor is not None and (isinstance(cap_minor, bool) or not isinstance(cap_minor, int)
                                  or not 0 < cap_minor <= 10_000_000_000):
        raise DomainError(N_("The monthly cap must be a positive amount, or empty for no cap."))
    tenant.monthly_cap_minor = cap_minor
    return tenant
