"""Partners and their modules. Both are platform-level (not owned by a tenant): a partner's module
is listed for every tenant; what a tenant installs is tenant-owned (installations, later)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned

PARTNER_ROLES = ("owner", "member")
MODULE_STATUSES = ("draft", "in_review", "published", "rejected", "suspended")


class Partner(Base):
    """A partner organisation that publishes modules."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    payout_details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerMember(Base):
    """A user's membership of a partner organisation."""

    __tablename__ = "partner_members"
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partners.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Module(Base):
    """A partner's module. `live_manifest` is what tenants see (set on first approval);
    `draft_manifest` is the partner's working copy, reviewed when it changes what needs review."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    draft_manifest: Mapped[dict] = mapped_column(JSON)
    live_manifest: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # an edit of a published module waiting for review (the live manifest stays as it is)
    review_pending: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str] = mapped_column(Text, default="")
    # bumped when approved scopes, events or prices change: installations consented to an older one must
    # consent again (until then they keep what they consented to)
    scopes_version: Mapped[int] = mapped_column(Integer, default=1)
    # the module secret (webhook signatures, launch tokens) is derived from the platform key and this
    # version, so nothing secret is stored; rotating bumps it
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                          nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        """The name companies see: its live manifest's, else its slug (not yet approved)."""
        return (self.live_manifest or {}).get("name", self.slug)


INSTALLATION_STATUSES = ("active", "deleted")


class Installation(Base):
    """A tenant's subscription to a module: consented scopes and devices, an optional monthly cap.

    A link between two platform tables (tenants and modules), like memberships: partners list a
    module's installations across tenants, so it is not tenant-scoped; every tenant-side function in
    marketplace.installations filters by the current tenant explicitly (and fails without one)."""

    __tablename__ = "installations"
    __table_args__ = (Index("ix_installations_tenant_id_module_id", "tenant_id", "module_id"),
                      Index("uq_installations_active", "tenant_id", "module_id", unique=True,
                            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(BigId, ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    scopes: Mapped[list] = mapped_column(JSON)
    scopes_version: Mapped[int] = mapped_column(Integer)
    device_ids: Mapped[list] = mapped_column(JSON)
    # the events and pricing the company consented to (a module's later changes wait for new consent)
    events: Mapped[list] = mapped_column(JSON, default=list)
    pricing: Mapped[dict] = mapped_column(JSON, default=dict)
    monthly_cap_minor: Mapped[int | None] = mapped_column(BigId, nullable=True)
    installed_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                           nullable=True)
    # what device events were last sent: {"<device id>": "running"}; and the last local day summarised
    notified_states: Mapped[dict] = mapped_column(JSON, default=dict)
    summarised_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)


DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookDelivery(Base):
    """One event for one installation and how its delivery went. The partner's delivery log, hence
    platform-level; `event_id` stays the same on every attempt (receivers deduplicate on it)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_module_id_created_at", "module_id", "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    module_id: Mapped[int] = mapped_column(BigId, ForeignKey("modules.id", ondelete="CASCADE"))
    installation_id: Mapped[int] = mapped_column(BigId, ForeignKey("installations.id", ondelete="CASCADE"),
                                                 index=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    give_up_at: Mapped[datetime] = mapped_column()  # 24 h after the event, or after a redelivery
    last_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)


INSIGHT_KINDS = ("card", "alert", "report")
INSIGHT_SEVERITIES = ("info", "warning", "critical")


class Insight(TenantOwned, Base):
    """A card, alert or report link a module posted to the tenant's overview and notification centre."""

    __tablename__ = "insights"
    __table_args__ = (Index("ix_insights_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    installation_id: Mapped[int] = mapped_column(BigId, ForeignKey("installations.id", ondelete="CASCADE"),
                                                 index=True)
    module_id: Mapped[int] = mapped_column(BigId, ForeignKey("modules.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10), default="info")
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    device_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(nullable=True)
