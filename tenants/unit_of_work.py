"""Work as a tenant outside a web request: one tenant's transactions, and a step run for every tenant.

Jobs, the CLI and platform pages that read across companies come through here: it is the one place
outside a request that lists tenants and enters their context (a request enters its tenant in
web.auth). One failure policy for every per-tenant loop: a tenant whose step raises is logged and
reported (an error-level log line naming the failed tenants), and the others go on (every job is idempotent,
so the next run retries it); a lost database connection ends the run at once.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from tenants.db import Database
from tenants.models import Tenant
from tenants.scoping import tenant_context

log = logging.getLogger("tenants.work")
T = TypeVar("T")
BUSY_ATTEMPTS = 5


@dataclass(frozen=True)
class TenantUnit:
    """One tenant's unit of work: transactions that run as that tenant."""

    db: Database
    tenant_id: int

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction as the tenant: committed when the block ends, rolled back if it raises."""
        with tenant_context(self.tenant_id), self.db.session() as session:
            yield session

    def attempt(self, work: Callable[[Session], T], attempts: int = BUSY_ATTEMPTS) -> T:
        """Run `work` in one transaction as the tenant, again in a new one when SQLite was busy."""
        return retry_when_busy(lambda: self._once(work), attempts)

    def _once(self, work: Callable[[Session], T]) -> T:
        with self.session() as session:
            return work(session)


@dataclass
class TenantsRun:
    """What a run over every tenant did: its steps' summed count and the tenants whose step failed."""

    count: int = 0
    failed: list[int] = field(default_factory=list)


def retry_when_busy(step: Callable[[], T], attempts: int = BUSY_ATTEMPTS) -> T:
    """Run an idempotent step, again after a pause while SQLite answers "database is locked"."""
    # SQLite refuses a write in a transaction that read before another writer committed; the step is
    # idempotent, so running it again sees the other's rows and does the rest
    for attempt in range(attempts):
        try:
            return step()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def tenant_ids(db: Database) -> list[int]:
    """Every tenant's id, in order (the tenants table is a platform table)."""
    with db.session() as session:
        return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


def for_each_tenant(db: Database, step: Callable[[TenantUnit], int], *, what: str,
                    only: Iterable[int] | None = None) -> TenantsRun:
    """Run `step` for every tenant (or the tenants in `only`), each as that tenant; sums what the steps
    return. A failing tenant is logged and listed in the result, and the others go on."""
    run = TenantsRun()
    for tenant_id in tenant_ids(db) if only is None else list(only):
        try:
            with tenant_context(tenant_id):
                run.count += step(TenantUnit(db, tenant_id))
        except DBAPIError as exc:
            if exc.connection_invalidated:  # the database is gone: the others would fail alike
                raise
            _failed(run, what, tenant_id)
        except Exception:  # a job: one company's trouble must not stop the others'; the next run retries
            _failed(run, what, tenant_id)
    if run.failed:
        log.error("%s failed for %d tenant(s): %s", what, len(run.failed), run.failed)
    return run


def _failed(run: TenantsRun, what: str, tenant_id: int) -> None:
    log.exception("%s failed for tenant %s", what, tenant_id)
    run.failed.append(tenant_id)


def each_tenant(session: Session) -> Iterator[Tenant]:
    """Every tenant in turn, in order, with the tenant's context entered while the caller holds it
    (platform pages that read across companies in one session)."""
    for tenant in list(session.scalars(select(Tenant).order_by(Tenant.id))):
        with tenant_context(tenant.id):
            yield tenant
