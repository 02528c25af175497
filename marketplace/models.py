"""Partners and their modules. Both are platform-level (not owned by a tenant): a partner's module
is listed for every tenant; what a tenant installs is tenant-owned (installations, later)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.db import Base, BigId, utcnow

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
    live_manifest: Mapped[Optional[dict]] = mapped_column(JSON, nullable=True)
    # an edit of a published module waiting for review (the live manifest stays as it is)
    review_pending: Mapped[bool] = mapped_column(default=False)
    review_note: Mapped[str] = mapped_column(Text, default="")
    # bumped when approved scopes change: installations consented to an older one must re-consent
    scopes_version: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                          nullable=True)
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
