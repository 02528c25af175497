"""What the partner portal and the module review pages read: a user's partners, a partner's modules,
a module's installations across tenants, the review queue, what a pending edit changes, and prices
typed in major units ("EUR 0.50, CNY 4.00") as the manifest's minor units."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from marketplace.models import MODULE_STATUSES, Installation, Module, Partner, PartnerMember
from tenants.errors import N_, DomainError, NotFound
from tenants.models import Tenant, User
from tenants.money import FORMAT, AmountError, major_text, minor_of
from tenants.validation import currencies

PER_PAGE = 50
WAITING = "waiting"  # the review filter: new modules in review and published ones with a pending edit
REVIEW_FILTERS = (WAITING, *MODULE_STATUSES)
MAX_PRICES = 30
_ENTRY_SPLIT = re.compile(r"[;\n]|,(?=\s*[A-Za-z])")  # "EUR 0,50" keeps its decimal comma
_ENTRY = re.compile(r"^([A-Za-z]{3})\s*([0-9]+(?:[.,][0-9]+)?)$|^([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})$")


@dataclass(frozen=True)
class Page:
    """A page of rows, with the page number clamped to the pages there are."""

    rows: list
    page: int
    pages: int
    total: int


def _page_of(session: Session, query, count_query, page: int) -> Page:
    total = session.scalar(count_query) or 0
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    rows = session.execute(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return Page([tuple(row) if len(row) > 1 else row[0] for row in rows], page, pages, total)


def partners_of(session: Session, user: User) -> list[tuple[Partner, PartnerMember]]:
    """The partner organisations the user belongs to, with the membership, by name."""
    rows = session.execute(select(Partner, PartnerMember).join(PartnerMember, PartnerMember.partner_id == Partner.id)
                           .where(PartnerMember.user_id == user.id).order_by(Partner.name, Partner.id))
    return [(partner, member) for partner, member in rows]


def partner_modules(session: Session, partner: Partner) -> list[Module]:
    """A partner's modules, newest first."""
    return list(session.scalars(select(Module).where(Module.partner_id == partner.id)
                                .order_by(Module.created_at.desc(), Module.id.desc())))


def partner_module(session: Session, partner: Partner, module_id: int) -> Module:
    """One of the partner's modules; NotFound for any other."""
    module = session.scalar(select(Module).where(Module.id == module_id, Module.partner_id == partner.id))
    if module is None:
        raise NotFound()
    return module


def module_installations(session: Session, module: Module, page: int = 1) -> Page:
    """The module's installations in every tenant, newest first, as (Installation, tenant name) rows."""
    where = Installation.module_id == module.id
    query = (select(Installation, Tenant.name).join(Tenant, Tenant.id == Installation.tenant_id).where(where)
             .order_by(Installation.created_at.desc(), Installation.id.desc()))
    return _page_of(session, query, select(func.count(Installation.id)).where(where), page)


def active_installation_count(session: Session, module: Module) -> int:
    """How many tenants have the module installed now."""
    return session.scalar(select(func.count(Installation.id)).where(
        Installation.module_id == module.id, Installation.status == "active")) or 0


def _waiting():
    return or_(Module.status == "in_review", (Module.status == "published") & Module.review_pending.is_(True))


def review_queue(session: Session, page: int = 1, status: str | None = None) -> Page:
    """Modules for the platform's review pages as (Module, Partner) rows: those waiting for review
    first (oldest change first), then the others (newest change first); optionally one status only."""
    where = []
    if status == WAITING:
        where.append(_waiting())
    elif status in MODULE_STATUSES:
        where.append(Module.status == status)
    waiting_first = case((_waiting(), 0), else_=1)
    oldest_first_while_waiting = case((_waiting(), Module.updated_at), else_=None)
    query = (select(Module, Partner).join(Partner, Partner.id == Module.partner_id).where(*where)
             .order_by(waiting_first, oldest_first_while_waiting, Module.updated_at.desc(), Module.id.desc()))
    return _page_of(session, query, select(func.count(Module.id)).where(*where), page)


def waiting_count(session: Session) -> int:
    """How many modules wait for a review."""
    return session.scalar(select(func.count(Module.id)).where(_waiting())) or 0


@dataclass(frozen=True)
class ReviewChanges:
    """What a published module's pending edit changes in what only a review may change."""

    added_scopes: list[str]
    removed_scopes: list[str]
    live_pricing: dict
    new_pricing: dict

    @property
    def pricing_changed(self) -> bool:
        """Whether the pricing differs from the live one."""
        return self.live_pricing != self.new_pricing

    @property
    def any(self) -> bool:
        """Whether anything reviewed changes."""
        return bool(self.added_scopes or self.removed_scopes or self.pricing_changed)


def review_changes(module: Module) -> ReviewChanges | None:
    """The scope and pricing changes of the working manifest against the live one (None before the
    first approval)."""
    live, draft = module.live_manifest, module.draft_manifest
    if live is None:
        return None
    live_scopes, new_scopes = live.get("scopes") or [], draft.get("scopes") or []
    return ReviewChanges(added_scopes=[s for s in new_scopes if s not in live_scopes],
                         removed_scopes=[s for s in live_scopes if s not in new_scopes],
                         live_pricing=live.get("pricing") or {}, new_pricing=draft.get("pricing") or {})


def parse_prices(text: str | None) -> dict[str, int]:
    """Prices typed as "EUR 0.50, CNY 4.00" (a decimal comma is fine: "EUR 0,50") in minor units
    ({"EUR": 50, "CNY": 400}); raises DomainError for an unknown currency or too many decimals."""
    entries = [entry.strip() for entry in _ENTRY_SPLIT.split(text or "") if entry.strip()]
    if not entries:
        raise DomainError(N_("Enter at least one price, such as EUR 0.50."))
    if len(entries) > MAX_PRICES:
        raise DomainError(N_("Enter at most %(n)s prices."), n=MAX_PRICES)
    prices: dict[str, int] = {}
    for entry in entries:
        match = _ENTRY.match(entry)
        if match is None:
            raise DomainError(N_("Write each price as a currency code and an amount, such as EUR 0.50 "
                                 "(not \"%(entry)s\")."), entry=entry[:40])
        code = (match.group(1) or match.group(4)).upper()
        amount = (match.group(2) or match.group(3)).replace(",", ".")
        if code not in currencies():
            raise DomainError(N_("%(code)s is not a currency code; use one such as EUR, USD or CNY."), code=code)
        if code in prices:
            raise DomainError(N_("%(code)s is priced twice; give each currency once."), code=code)
        prices[code] = _price(code, amount)
    return prices


def _price(code: str, amount: str) -> int:
    try:
        return minor_of(amount, code)
    except AmountError as exc:
        if exc.reason == FORMAT:
            raise DomainError(N_("%(amount)s is not an amount."), amount=amount[:40]) from None
        if exc.digits == 0:
            raise DomainError(N_("%(code)s has no smaller unit: give %(code)s prices in whole numbers "
                                 "(not %(amount)s)."), code=code, amount=amount) from None
        raise DomainError(N_("%(code)s prices have at most %(digits)s decimals (not %(amount)s)."), code=code,
                          digits=exc.digits, amount=amount) from None


def format_prices(prices: dict | None) -> str:
    """Stored prices as the text the form takes ("CNY 4.00, EUR 0.50")."""
    return ", ".join(f"{code} {major_text(amount, code)}" for code, amount in sorted((prices or {}).items()))
