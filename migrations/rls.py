"""Row-level security helpers for migrations (PostgreSQL only; a no-op elsewhere)."""
from __future__ import annotations

from alembic import op

from tenants.rls import disable_statements, enable_statements


def enable_rls(table: str) -> None:
    """Force row-level security on a tenant-owned table."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in enable_statements(table):
            op.execute(statement)


def disable_rls(table: str) -> None:
    """Undo enable_rls."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in disable_statements(table):
            op.execute(statement)
