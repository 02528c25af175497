"""Tenants, users, memberships and invitations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned

ROLES = ("owner", "admin", "member")


class Tenant(Base):
    """A customer company: the unit of isolation, billing and settings."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    plan_state: Mapped[str] = mapped_column(String(20), default="active")
    monthly_cap_minor: Mapped[int | None] = mapped_column(BigId, nullable=True)
    raw_retention_days: Mapped[int] = mapped_column(Integer, default=730)
    vat_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who logs in; may belong to several tenants."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change: sessions carry it and die when it moves.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="raise")

    @property
    def is_verified(self) -> bool:
        """Whether the email address was confirmed."""
        return self.verified_at is not None

    # The session protocol of Flask-Login, kept free of any Flask import.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session identity: id and epoch, so a password change ends other sessions."""
        return f"{self.id}:{self.session_epoch}"


class Membership(Base):
    """A user's role in a tenant.

    A link table between two platform tables, read by user (to list a user's tenants) and by
    tenant (the team page); every function in tenants.team filters by tenant explicitly.
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    alert_mails: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # opt-in, per company

    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class Invitation(TenantOwned, Base):
    """An emailed invitation to join a tenant with a role."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_tenant_email", "tenant_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
