"""alerts, alert settings, and the per-membership alert mail opt-in

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TENANT_TABLES = ("alerts", "alert_settings")
OPEN_ONLY = sa.text("closed_at IS NULL")


def _tenant_column(table: str) -> sa.Column:
    return sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                                       name=f"fk_{table}_tenant_id_tenants"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", BigId, primary_key=True),
        _tenant_column("alerts"),
        sa.Column("device_id", BigId, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("opened_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", BigId, sa.ForeignKey("users.id", ondelete="SET NULL",
                                                             name="fk_alerts_acknowledged_by_id_users"), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("open_mailed_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_mailed_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"],
                                ondelete="CASCADE", name="fk_alerts_tenant_id_devices"),
    )
    op.create_index("ix_alerts_tenant_opened", "alerts", ["tenant_id", "opened_at"])
    op.create_index("uq_alerts_open", "alerts", ["tenant_id", "device_id", "kind"], unique=True,
                    postgresql_where=OPEN_ONLY, sqlite_where=OPEN_ONLY)
    op.create_table(
        "alert_settings",
        sa.Column("id", BigId, primary_key=True),
        _tenant_column("alert_settings"),
        sa.Column("idle_limit", sa.Float(), nullable=True),
        sa.Column("idle_unit", sa.String(5), nullable=False),
        sa.Column("updated_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_settings"),
    )
    op.create_index("uq_alert_settings_tenant", "alert_settings", ["tenant_id"], unique=True)
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("alert_mails", sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in TENANT_TABLES:
        enable_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_rls(table)
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("alert_mails")
    op.drop_index("uq_alert_settings_tenant", table_name="alert_settings")
    op.drop_table("alert_settings")
    op.drop_index("uq_alerts_open", table_name="alerts")
    op.drop_index("ix_alerts_tenant_opened", table_name="alerts")
    op.drop_table("alerts")
