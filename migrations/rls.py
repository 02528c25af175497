"""Row-level security helpers for migrations (PostgreSQL only; a no-op elsewhere)."""
from __future__ import annotations

from alembic import op

POLICY = "tenant_isolation"
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def enable_rls(table: str) -> None:
    """Force row-level security on a tenant-owned table, keyed on the transaction's app.tenant_id."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY {POLICY} ON "{table}" USING (tenant_id = {TENANT_EXPR}) '
        f"WITH CHECK (tenant_id = {TENANT_EXPR})"
    )


def disable_rls(table: str) -> None:
    """Undo enable_rls."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
