"""stored finished local days per device (rollup_days), derived from the quarter rollups

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FLOATS = ("energy_wh", "running_s", "idle_s", "off_s", "nodata_s", "running_wh", "idle_wh", "off_wh")
LATER_FLOATS = ("cost", "utilization")
NULLABLE_FLOATS = ("max_power_w", "avg_power_w")


def upgrade() -> None:
    op.create_table(
        "rollup_days",
        sa.Column("device_id", BigId, nullable=False),
        sa.Column("day_start", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day_end", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in FLOATS),
        *(sa.Column(name, sa.Float(), nullable=True) for name in NULLABLE_FLOATS),
        sa.Column("samples", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in LATER_FLOATS),
        sa.Column("availability", sa.Float(), nullable=True),
        sa.Column("planned_s", sa.Float(), nullable=False),
        sa.Column("idle_waste_wh", sa.Float(), nullable=False),
        sa.Column("idle_waste_cost", sa.Float(), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"],
                                name="fk_rollup_days_tenant_id_devices", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_rollup_days_tenant_id_tenants",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "device_id", "day_start", name="pk_rollup_days"),
    )
    enable_rls("rollup_days")


def downgrade() -> None:
    disable_rls("rollup_days")
    op.drop_table("rollup_days")
