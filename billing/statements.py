"""Partner revenue statements and payouts (no Flask).

A statement is one partner's month: per currency, each module's gross revenue, the platform's commission
and the net payable, with how many companies (tenants) and invoices paid for it. It reads only revenue
entries, which billing.settlement writes when an invoice is paid, so only paid invoices ever count. A
month is the invoices' billing month (their `period_start`).

A payout is what the platform owes a partner for one finished month in one currency, taken from the
statement's totals; the unique constraint on (partner, month, currency) makes sure it exists once, even
when two admins press the button at the same moment.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, distinct, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.invoices import month_start
from billing.models import Payout, RevenueEntry
from marketplace.models import Module, Partner
from telemetry.report_export import FORMULA_STARTS
from tenants.accounts import require_platform_admin
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.models import User
from tenants.money import major_text

CSV_COLUMNS = ("month", "currency", "module", "module_slug", "companies", "invoices", "gross", "commission", "net")
MAX_REFERENCE = 200
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


@dataclass(frozen=True)
class ModuleLine:
    """One module's revenue in one currency and month."""

    module_id: int
    slug: str
    name: str
    gross_minor: int
    commission_minor: int
    net_minor: int
    tenants: int
    invoices: int


@dataclass(frozen=True)
class CurrencyStatement:
    """A month's module lines in one currency and their totals (companies and invoices counted once)."""

    currency: str
    lines: list[ModuleLine]
    gross_minor: int
    commission_minor: int
    net_minor: int
    tenants: int
    invoices: int


@dataclass(frozen=True)
class Statement:
    """A partner's month, per currency (by currency code)."""

    partner_id: int
    period_start: date
    currencies: list[CurrencyStatement]

    @property
    def empty(self) -> bool:
        """Whether nothing was paid for the partner's modules in this month."""
        return not self.currencies

    @property
    def month(self) -> str:
        """The month as YYYY-MM."""
        return month_text(self.period_start)

    def total(self, currency: str) -> CurrencyStatement | None:
        """The part in one currency, or None."""
        return next((part for part in self.currencies if part.currency == currency), None)


@dataclass(frozen=True)
class PartnerMonth:
    """A partner's month in one currency on the admin's payout list, with its payout if one was made."""

    partner: Partner
    currency: str
    gross_minor: int
    commission_minor: int
    net_minor: int
    payout: Payout | None


def month_text(period_start: date) -> str:
    """A month as YYYY-MM."""
    return f"{period_start.year:04d}-{period_start.month:02d}"


def parse_month(text: str | None) -> date:
    """"2026-10" as the month's first day; DomainError for anything else."""
    match = _MONTH.match((text or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise DomainError(N_("Give the month as YYYY-MM, such as 2026-10 (not \"%(month)s\")."),
                          month=(text or "")[:20])
    return date(int(match.group(1)), int(match.group(2)), 1)


def _module_names(session: Session, module_ids: set[int]) -> dict[int, tuple[str, str]]:
    modules: Iterable[Module] = session.scalars(select(Module).where(Module.id.in_(module_ids))) if module_ids else []
    return {m.id: (m.slug, (m.live_manifest or m.draft_manifest or {}).get("name") or m.slug) for m in modules}


def _sums():
    return (func.sum(RevenueEntry.gross_minor), func.sum(RevenueEntry.commission_minor),
            func.sum(RevenueEntry.net_minor), func.count(distinct(RevenueEntry.tenant_id)),
            func.count(distinct(RevenueEntry.invoice_id)))


def statement(session: Session, partner_id: int, period_start: date) -> Statement:
    """The partner's statement of the month starting `period_start`, from paid invoices only."""
    period_start = month_start(period_start)
    where = (RevenueEntry.partner_id == partner_id, RevenueEntry.period_start == period_start)
    per_module = session.execute(select(RevenueEntry.currency, RevenueEntry.module_id, *_sums()).where(*where)
                                 .group_by(RevenueEntry.currency, RevenueEntry.module_id)).all()
    totals = session.execute(select(RevenueEntry.currency, *_sums()).where(*where)
                             .group_by(RevenueEntry.currency).order_by(RevenueEntry.currency)).all()
    names = _module_names(session, {row[1] for row in per_module})
    parts = []
    for currency, *total in totals:
        lines = [ModuleLine(module_id, *names.get(module_id, (str(module_id), str(module_id))),
                            *(int(value or 0) for value in figures))
                 for code, module_id, *figures in per_module if code == currency]
        lines.sort(key=lambda line: (-line.gross_minor, line.name.lower(), line.module_id))
        parts.append(CurrencyStatement(currency, lines, *(int(value or 0) for value in total)))
    return Statement(partner_id, period_start, parts)


def statement_months(session: Session, partner_id: int) -> list[date]:
    """The months in which the partner earned something (paid invoices), newest first."""
    return list(session.scalars(select(RevenueEntry.period_start).where(RevenueEntry.partner_id == partner_id)
                                .distinct().order_by(RevenueEntry.period_start.desc())))


def revenue_months(session: Session) -> list[date]:
    """The months in which any partner earned something, newest first."""
    return list(session.scalars(select(RevenueEntry.period_start).distinct()
                                .order_by(RevenueEntry.period_start.desc())))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def statement_csv(statement: Statement, total_label: str = "Total") -> str:
    """The statement as CSV text: a header row (CSV_COLUMNS), a row per module and currency, then each
    currency's total row (its `module` is `total_label`, its `module_slug` empty). CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for part in statement.currencies:
        for line in part.lines:
            writer.writerow([statement.month, part.currency, _cell(line.name), _cell(line.slug),
                             *_csv_figures(part.currency, line)])
        writer.writerow([statement.month, part.currency, _cell(total_label), "", *_csv_figures(part.currency, part)])
    return out.getvalue()


def _csv_figures(currency: str, figures: ModuleLine | CurrencyStatement) -> list:
    return [figures.tenants, figures.invoices, *(major_text(minor, currency) for minor in
                                                 (figures.gross_minor, figures.commission_minor, figures.net_minor))]


def _existing_payout(session: Session, partner_id: int, period_start: date, currency: str) -> Payout | None:
    return session.scalar(select(Payout).where(Payout.partner_id == partner_id, Payout.period_start == period_start,
                                               Payout.currency == currency))


def create_payout(session: Session, admin: User, partner_id: int, period_start: date, currency: str,
                  today: date | None = None) -> Payout:
    """Record what the platform owes the partner for a finished month in one currency (platform admins only),
    from the statement's totals. Conflict when it exists already (never a second row, even concurrently)."""
    require_platform_admin(admin)
    period_start, code = month_start(period_start), (currency or "").strip().upper()
    if period_start >= month_start(today or utcnow().date()):
        raise DomainError(N_("%(month)s is not over yet: pay it out once the month has ended."),
                          month=month_text(period_start))
    if _existing_payout(session, partner_id, period_start, code) is not None:
        raise Conflict(N_("The payout of %(month)s in %(currency)s exists already."), month=month_text(period_start),
                       currency=code)
    totals = statement(session, partner_id, period_start).total(code)
    if totals is None:
        raise DomainError(N_("There is no paid revenue in %(currency)s for %(month)s: nothing to pay out."),
                          currency=code, month=month_text(period_start))
    payout = Payout(partner_id=partner_id, period_start=period_start, currency=code, gross_minor=totals.gross_minor,
                    commission_minor=totals.commission_minor, net_minor=totals.net_minor, status="pending",
                    reference="", created_at=utcnow())
    try:
        with session.begin_nested():  # a concurrent admin's payout wins on the unique constraint
            session.add(payout)
    except IntegrityError:
        raise Conflict(N_("The payout of %(month)s in %(currency)s exists already."), month=month_text(period_start),
                       currency=code) from None
    return payout


def mark_payout_paid(session: Session, admin: User, payout_id: int, reference: str,
                     now: datetime | None = None) -> Payout:
    """Note that the money was sent, with the transfer's reference (platform admins only; once)."""
    require_platform_admin(admin)
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise NotFound()
    reference = (reference or "").strip()
    if not reference:
        raise DomainError(N_("Give the payment's reference, such as the bank transfer's id."))
    if len(reference) > MAX_REFERENCE:
        raise DomainError(N_("The reference is too long: at most %(n)s characters."), n=MAX_REFERENCE)
    # an UPDATE without RETURNING gives a CursorResult (typed as Result), which has the rowcount
    changed = cast(CursorResult[Any], session.execute(
        update(Payout).where(Payout.id == payout_id, Payout.status == "pending")
        .values(status="paid", reference=reference, paid_at=now or utcnow())
        .execution_options(synchronize_session=False))).rowcount
    session.refresh(payout)
    if not changed:
        raise Conflict(N_("This payout was marked paid already."))
    return payout


def payouts(session: Session, partner_id: int, period_start: date | None = None) -> list[Payout]:
    """The partner's payouts, newest month first (optionally of one month only)."""
    where = [Payout.partner_id == partner_id]
    if period_start is not None:
        where.append(Payout.period_start == month_start(period_start))
    return list(session.scalars(select(Payout).where(*where)
                                .order_by(Payout.period_start.desc(), Payout.currency)))


def month_overview(session: Session, period_start: date) -> list[PartnerMonth]:
    """Every partner with paid revenue in the month, per currency, with its payout if made (by partner name)."""
    period_start = month_start(period_start)
    rows = session.execute(
        select(Partner, RevenueEntry.currency, func.sum(RevenueEntry.gross_minor),
               func.sum(RevenueEntry.commission_minor), func.sum(RevenueEntry.net_minor))
        .join(Partner, Partner.id == RevenueEntry.partner_id).where(RevenueEntry.period_start == period_start)
        .group_by(Partner.id, RevenueEntry.currency).order_by(Partner.name, Partner.id, RevenueEntry.currency)).all()
    made = {(p.partner_id, p.currency): p for p in session.scalars(
        select(Payout).where(Payout.period_start == period_start))}
    return [PartnerMonth(partner, currency, int(gross or 0), int(commission or 0), int(net or 0),
                         made.get((partner.id, currency)))
            for partner, currency, gross, commission, net in rows]
