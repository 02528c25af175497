"""Use cases of the platform operators' partner payouts: a month's partners with paid revenue and their
payouts, creating a month's payout in one currency (once) and marking it paid. The domain (billing.statements)
checks the acting admin, the month and the amounts; this module commits what it wrote."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from billing import statements
from billing.models import Payout
from services.work import committing
from tenants.clock import current_month
from tenants.errors import DomainError, NotFound
from tenants.models import User


@dataclass(frozen=True)
class PayoutsPage:
    """The months with paid revenue (newest first), the month shown, its partners per currency with their
    payouts, and the current month (not over yet: it cannot be paid out)."""

    months: list[date]
    period: date
    rows: list[statements.PartnerMonth]
    current_month: date


def _default_month(months: list[date], this_month: date) -> date:
    """The newest finished month with revenue; the last month when there is none."""
    finished = [m for m in months if m < this_month]
    return finished[0] if finished else (this_month - timedelta(days=1)).replace(day=1)


def payouts_page(session: Session, month: str | None, now: datetime) -> PayoutsPage:
    """A month's partners with paid revenue and their payouts: `month` (YYYY-MM; DomainError for anything
    else), or the newest finished month with revenue when None."""
    months = statements.revenue_months(session)
    this_month = current_month(now)
    period = statements.parse_month(month) if month else _default_month(months, this_month)
    return PayoutsPage(months, period, statements.month_overview(session, period), this_month)


def month_param(text: str | None) -> str | None:
    """`text` as the YYYY-MM of a month, or None when it is no month (for a link back to the month's page)."""
    try:
        return statements.month_text(statements.parse_month(text))
    except DomainError:
        return None


def create_payout(session: Session, admin: User, partner_id: int, month: str, currency: str,
                  now: datetime) -> Payout:
    """Create the payout of a partner's finished month (YYYY-MM) in one currency from its statement (once only);
    a refused payout changes nothing."""
    with committing(session):
        payout = statements.create_payout(session, admin, partner_id, statements.parse_month(month), currency,
                                          now.date())
    return payout


def payout_month(session: Session, payout_id: int) -> str:
    """The month (YYYY-MM) a payout is for, to go back to its page (NotFound for an unknown payout)."""
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise NotFound()
    return statements.month_text(payout.period_start)


def mark_payout_paid(session: Session, admin: User, payout_id: int, reference: str, now: datetime) -> Payout:
    """Note that a payout's money was sent, with the transfer's reference (once); a refusal changes nothing."""
    with committing(session):
        payout = statements.mark_payout_paid(session, admin, payout_id, reference, now)
    return payout
