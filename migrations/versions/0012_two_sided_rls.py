"""Row-level security on the two-sided tables: a tenant's transaction sees only its own rows of them

Revision ID: 0012
Revises: 0011
"""
from alembic import op

from tenants.rls import TWO_SIDED_POLICY, disable_statements, enable_two_sided_statements

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# tenants.db.TWO_SIDED_TABLES at this revision
TABLES = ("memberships", "credential_index", "installations", "webhook_deliveries", "revenue_entries")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in enable_two_sided_statements(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            for statement in disable_statements(table, TWO_SIDED_POLICY):
                op.execute(statement)
