"""Use cases of the partner portal (the partner's side): the user's partner organisations and signing one up,
a partner's modules (writing and editing manifests, submitting them for review, the secret shown once, the
installations across tenants), the webhook delivery log and redelivery, and the monthly revenue statements.

Every use case resolves the partner through the user's membership (`marketplace.modules.partner_for_member`):
anyone else gets NotFound, never a hint that the partner exists. A partner's members: `services.partner_members`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from billing import statements
from billing.invoices import month_start
from billing.models import Payout
from marketplace import modules, portal, signing, webhooks
from marketplace.models import Module, Partner, PartnerMember, WebhookDelivery
from services.work import committing
from tenants.models import User

EditOutcome = Literal["review", "live", "saved"]


@dataclass(frozen=True)
class PortalPage:
    """A partner and its modules, newest first."""

    partner: Partner
    modules: list[Module]


@dataclass(frozen=True)
class PartnerModule:
    """One of a partner's modules, with the partner."""

    partner: Partner
    module: Module


@dataclass(frozen=True)
class ModuleSecret:
    """A module and its current secret, to show the partner once (when it is created or rotated)."""

    partner: Partner
    module: Module
    secret: str


@dataclass(frozen=True)
class ModulePage:
    """A module's page: a page of its installations across tenants, whether its working manifest needs a
    review, and how many tenants have it installed now."""

    partner: Partner
    module: Module
    installations: portal.Page
    needs_review: bool
    active_count: int


@dataclass(frozen=True)
class StatementsPage:
    """The partner's months with paid revenue (newest first), the chosen month (None without any) with its
    statement and payouts by currency, and the current month (UTC; its statement is not final)."""

    partner: Partner
    months: list[date]
    period: date | None
    statement: statements.Statement | None
    payouts: dict[str, Payout]
    current_month: date


@dataclass(frozen=True)
class StatementFile:
    """A month's statement as CSV text, with the partner and the month (YYYY-MM) it is of."""

    partner: Partner
    month: str
    text: str


def partners_of(session: Session, user: User) -> list[tuple[Partner, PartnerMember]]:
    """The partner organisations the user belongs to, with the user's membership, by name."""
    return portal.partners_of(session, user)


def sign_up(session: Session, user: User, name: str, contact_email: str) -> Partner:
    """Create a partner organisation with the user as its owner; a refused field changes nothing."""
    with committing(session):
        created = modules.create_partner(session, name=name, contact_email=contact_email, owner=user)
    return created


def partner(session: Session, user: User, partner_id: int) -> Partner:
    """The partner if the user belongs to it (NotFound otherwise)."""
    return modules.partner_for_member(session, partner_id, user)


def portal_page(session: Session, user: User, partner_id: int) -> PortalPage:
    """The user's partner with its modules."""
    found = partner(session, user, partner_id)
    return PortalPage(found, portal.partner_modules(session, found))


def module(session: Session, user: User, partner_id: int, module_id: int) -> PartnerModule:
    """One of the modules of the user's partner (NotFound for anyone else's)."""
    found = partner(session, user, partner_id)
    return PartnerModule(found, portal.partner_module(session, found, module_id))


def create_module(session: Session, found: Partner, data: dict, platform_key: str) -> ModuleSecret:
    """A new draft module of the partner from a manifest, with its secret; a refused manifest changes nothing."""
    with committing(session):
        created = modules.create_module(session, found, data)
    return ModuleSecret(found, created, signing.module_secret(platform_key, created))


def module_page(session: Session, found: PartnerModule, page: int) -> ModulePage:
    """A module's page with one page of its installations."""
    return ModulePage(found.partner, found.module, portal.module_installations(session, found.module, page),
                      modules.needs_review(found.module), portal.active_installation_count(session, found.module))


def edit_module(session: Session, edited: Module, data: dict) -> EditOutcome:
    """Replace the module's working manifest; a refused manifest changes nothing. The outcome: "review" when
    the published module's change waits for a review, "live" when it is live at once, else "saved"."""
    with committing(session):
        modules.edit_module(session, edited, data)
    if edited.status != "published":
        return "saved"
    return "review" if modules.needs_review(edited) else "live"


def submit(session: Session, user: User, partner_id: int, module_id: int) -> PartnerModule:
    """Ask the platform to review one of the partner's modules (Conflict when there is nothing to review)."""
    found = module(session, user, partner_id, module_id)
    with committing(session):
        modules.submit_for_review(found.module)
    return found


def rotate_secret(session: Session, user: User, partner_id: int, module_id: int, platform_key: str) -> ModuleSecret:
    """Replace the module's secret (the old one stops working at once) and return the new one."""
    found = module(session, user, partner_id, module_id)
    secret = signing.rotate_secret(platform_key, found.module)
    session.commit()
    return ModuleSecret(found.partner, found.module, secret)


def delivery_log(session: Session, found: PartnerModule, page: int, status: str | None) -> webhooks.DeliveryPage:
    """A page of the module's webhook deliveries, newest first, optionally of one status."""
    return webhooks.delivery_log(session, found.module, page, status)


def redeliver(session: Session, user: User, partner_id: int, module_id: int, delivery_id: int,
              now: datetime) -> WebhookDelivery:
    """Queue one of the module's deliveries again at once (same event id, a new 24-hour window); Conflict when
    it is queued already, NotFound for another module's."""
    found = module(session, user, partner_id, module_id)
    with committing(session):
        delivery = webhooks.redeliver(session, found.module, delivery_id, now)
    return delivery


def statements_page(session: Session, user: User, partner_id: int, month: str | None,
                    now: datetime) -> StatementsPage:
    """The partner's statements page: the month `month` (YYYY-MM; DomainError otherwise) or, without one, the
    newest month with paid revenue."""
    found = partner(session, user, partner_id)
    months = statements.statement_months(session, found.id)
    period = statements.parse_month(month) if month else (months[0] if months else None)
    statement = statements.statement(session, found.id, period) if period else None
    payouts = {p.currency: p for p in statements.payouts(session, found.id, period)} if period else {}
    return StatementsPage(found, months, period, statement, payouts, month_start(now.date()))


def statement_file(session: Session, user: User, partner_id: int, month: str, total_label: str) -> StatementFile:
    """The partner's statement of `month` (YYYY-MM; DomainError otherwise) as CSV text, its total rows named
    `total_label`."""
    found = partner(session, user, partner_id)
    period = statements.parse_month(month)
    text = statements.statement_csv(statements.statement(session, found.id, period), total_label=total_label)
    return StatementFile(found, statements.month_text(period), text)
