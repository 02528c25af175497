"""Tenant scoping that fails closed.

The current tenant lives in a ContextVar. Every ORM statement on a tenant-owned model gets a
``tenant_id`` criterion, or raises when no tenant is set; new rows get ``tenant_id`` from the
same context and flushes of another tenant's rows raise. On PostgreSQL each transaction also
carries ``app.tenant_id`` for the row-level security policies (the second wall).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import cast

from sqlalchemy import ClauseElement, event, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from tenants.db import TenantOwned, tenant_owned_tables

_current_tenant: ContextVar[int | None] = ContextVar("current_tenant", default=None)
RLS_SETTING = "app.tenant_id"


class TenantContextError(RuntimeError):
    """A tenant-owned object was touched without, or outside, the current tenant."""


def current_tenant_id() -> int | None:
    """The tenant id of the current context, or None."""
    return _current_tenant.get()


def require_tenant_id() -> int:
    """The tenant id of the current context; raises when none is set."""
    tenant_id = _current_tenant.get()
    if tenant_id is None:
        raise TenantContextError("no tenant is set for a tenant-owned operation")
    return tenant_id


def set_tenant(tenant_id: int | None):
    """Set the current tenant; returns a token for reset_tenant."""
    return _current_tenant.set(tenant_id)


def reset_tenant(token) -> None:
    """Restore the tenant that was current before set_tenant."""
    _current_tenant.reset(token)


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[int]:
    """Run a block as the given tenant."""
    if tenant_id is None:
        raise TenantContextError("tenant_context needs a tenant id")
    token = _current_tenant.set(int(tenant_id))
    try:
        yield int(tenant_id)
    finally:
        _current_tenant.reset(token)


def install(factory: sessionmaker) -> None:
    """Attach the scoping hooks to a session factory."""
    event.listen(factory, "do_orm_execute", _scope_statement)
    event.listen(factory, "before_flush", _check_flush)
    event.listen(factory, "after_begin", _after_begin)


@cache
def _tenant_tables() -> frozenset[str]:
    return frozenset(tenant_owned_tables())


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    if any(issubclass(m.class_, TenantOwned) for m in state.all_mappers):
        return True
    # select_from(), joins and subqueries name tables without making their mappers "all_mappers"
    # (the statement is typed Executable, but whatever the ORM executes is a ClauseElement)
    tables = find_tables(cast(ClauseElement, state.statement), include_aliases=True, include_joins=True)
    return any(getattr(t, "name", None) in _tenant_tables() for t in tables)


def _scope_statement(state: ORMExecuteState) -> None:
    tenant_id = _current_tenant.get()
    _sync_rls(state.session, tenant_id)
    if state.is_column_load:
        return
    if tenant_id is None:
        if _touches_tenant_model(state):
            raise TenantContextError("tenant-owned query without a tenant")
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
        )


def _check_flush(session: Session, _context, _instances) -> None:
    _sync_rls(session, _current_tenant.get())
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            tenant_id = require_tenant_id()
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantContextError("insert of another tenant's row")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id != require_tenant_id():
            raise TenantContextError("change to another tenant's row")


def _after_begin(session: Session, _transaction, connection) -> None:
    session.info.pop("rls_tenant", None)
    if connection.dialect.name == "postgresql":
        _apply_rls(session, connection, _current_tenant.get())


def _sync_rls(session: Session, tenant_id: int | None) -> None:
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    if not session.in_transaction():
        return  # after_begin will set it
    if session.info.get("rls_tenant", "unset") != tenant_id:
        _apply_rls(session, session.connection(), tenant_id)


def _apply_rls(session: Session, connection, tenant_id: int | None) -> None:
    value = "" if tenant_id is None else str(tenant_id)
    connection.execute(text("SELECT set_config(:name, :value, true)"), {"name": RLS_SETTING, "value": value})
    session.info["rls_tenant"] = tenant_id
