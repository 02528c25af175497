"""module installations and webhook deliveries (platform-level), insights (tenant-owned), and the module
secret's version

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = tenants.db.UTCDateTime(timezone=True)
TENANT_TABLES = ("insights",)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete)


def upgrade() -> None:
    with op.batch_alter_table("modules") as batch:
        batch.add_column(sa.Column("secret_version", sa.Integer(), nullable=False, server_default="1"))
    _installations()
    _webhook_deliveries()
    _insights()
    for table in TENANT_TABLES:
        enable_rls(table)


def _installations() -> None:
    op.create_table(
        "installations",
        sa.Column("id", BigId, nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.Column("module_id", BigId, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("scopes_version", sa.Integer(), nullable=False),
        sa.Column("device_ids", sa.JSON(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("pricing", sa.JSON(), nullable=False),
        sa.Column("monthly_cap_minor", BigId, nullable=True),
        sa.Column("installed_by_id", BigId, nullable=True),
        sa.Column("notified_states", sa.JSON(), nullable=False),
        sa.Column("summarised_through", sa.Date(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("deleted_at", When, nullable=True),
        _fk("installations", "tenant_id", "tenants"),
        _fk("installations", "module_id", "modules"),
        _fk("installations", "installed_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_installations"),
    )
    op.create_index("ix_installations_tenant_id_module_id", "installations", ["tenant_id", "module_id"])
    op.create_index("ix_installations_module_id", "installations", ["module_id"])
    active = sa.text("status = 'active'")
    op.create_index("uq_installations_active", "installations", ["tenant_id", "module_id"], unique=True,
                    sqlite_where=active, postgresql_where=active)


def _webhook_deliveries() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("module_id", BigId, nullable=False),
        sa.Column("installation_id", BigId, nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When, nullable=True),
        sa.Column("give_up_at", When, nullable=False),
        sa.Column("last_attempt_at", When, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("delivered_at", When, nullable=True),
        _fk("webhook_deliveries", "module_id", "modules"),
        _fk("webhook_deliveries", "installation_id", "installations"),
        _fk("webhook_deliveries", "tenant_id", "tenants"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("event_id", name="uq_webhook_deliveries_event_id"),
    )
    op.create_index("ix_webhook_deliveries_status_next_attempt_at", "webhook_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_module_id_created_at", "webhook_deliveries", ["module_id", "created_at"])
    op.create_index("ix_webhook_deliveries_installation_id", "webhook_deliveries", ["installation_id"])
    op.create_index("ix_webhook_deliveries_tenant_id", "webhook_deliveries", ["tenant_id"])


def _tenant_column(table: str) -> sa.Column:
    return sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                                       name=f"fk_{table}_tenant_id_tenants"), nullable=False)


def _insights() -> None:
    op.create_table(
        "insights",
        sa.Column("id", BigId, nullable=False),
        _tenant_column("insights"),
        sa.Column("installation_id", BigId, nullable=False),
        sa.Column("module_id", BigId, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("device_id", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("dismissed_at", When, nullable=True),
        _fk("insights", "installation_id", "installations"),
        _fk("insights", "module_id", "modules"),
        sa.PrimaryKeyConstraint("id", name="pk_insights"),
    )
    op.create_index("ix_insights_tenant_id_created_at", "insights", ["tenant_id", "created_at"])
    op.create_index("ix_insights_installation_id", "insights", ["installation_id"])


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_rls(table)
    for table in ("insights", "webhook_deliveries", "installations"):
        op.drop_table(table)
    with op.batch_alter_table("modules") as batch:
        batch.drop_column("secret_version")
