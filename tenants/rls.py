"""The PostgreSQL row-level security policies: every tenant-owned table's, and the two-sided tables'."""
from __future__ import annotations

POLICY = "tenant_isolation"
TWO_SIDED_POLICY = "tenant_side"
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::bigint"
# a tenant's transaction sees and writes only its own rows; without a tenant (the other side: a partner's
# pages, the platform's jobs, a login before a company is chosen) the rows of every tenant, through that
# side's own filters (tenants.db.TWO_SIDED_TABLES says where they live)
TWO_SIDED_EXPR = f"({TENANT_EXPR} IS NULL OR tenant_id = {TENANT_EXPR})"


def enable_statements(table: str) -> list[str]:
    """SQL forcing row-level security on a table, keyed on the transaction's app.tenant_id."""
    return _forced(table, POLICY, f"tenant_id = {TENANT_EXPR}")


def enable_two_sided_statements(table: str) -> list[str]:
    """SQL forcing row-level security on a two-sided table: the tenant side walled, the other side open."""
    return _forced(table, TWO_SIDED_POLICY, TWO_SIDED_EXPR)


def disable_statements(table: str, policy: str = POLICY) -> list[str]:
    """SQL undoing enable_statements (or, with TWO_SIDED_POLICY, enable_two_sided_statements)."""
    return [
        f'DROP POLICY IF EXISTS {policy} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


def _forced(table: str, policy: str, condition: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'CREATE POLICY {policy} ON "{table}" USING ({condition}) WITH CHECK ({condition})',
    ]
