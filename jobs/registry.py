"""The scheduler's job list: each job takes the Database, is idempotent and sets tenant context itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from tenants import team
from tenants.db import Database
from tenants.models import Tenant


@dataclass(frozen=True)
class Job:
    """A job and how often it runs."""

    name: str
    run: Callable[[Database], int]
    every_seconds: int


def tenant_ids(db: Database) -> list[int]:
    """Every tenant's id (the tenants table is a platform table)."""
    with db.session() as session:
        return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


def purge_expired_invitations(db: Database) -> int:
    """Delete invitations whose link has expired; returns how many."""
    removed = 0
    for tenant_id in tenant_ids(db):
        with db.session() as session:
            removed += team.purge_expired_invitations(session, [tenant_id])
    return removed


JOBS: tuple[Job, ...] = (
    Job("purge_expired_invitations", purge_expired_invitations, every_seconds=3600),
)
