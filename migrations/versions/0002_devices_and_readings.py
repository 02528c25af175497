"""devices, device credentials and readings (partitioned by month on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TENANT_TABLES = ("devices", "device_credentials", "readings")
READING_COLUMNS = """
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    device_id BIGINT NOT NULL,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    power_w DOUBLE PRECISION, energy_wh DOUBLE PRECISION, voltage_v DOUBLE PRECISION,
    current_a DOUBLE PRECISION, power_factor DOUBLE PRECISION, extra JSON,
    CONSTRAINT pk_readings PRIMARY KEY (tenant_id, device_id, ts),
    CONSTRAINT fk_readings_tenant_id_devices FOREIGN KEY (tenant_id, device_id)
        REFERENCES devices (tenant_id, id) ON DELETE CASCADE
"""


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                                    name="fk_devices_tenant_id_tenants"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("line", sa.String(100), nullable=False),
        sa.Column("rated_w", sa.Float(), nullable=True),
        sa.Column("off_below_w", sa.Float(), nullable=False),
        sa.Column("run_above_w", sa.Float(), nullable=False),
        sa.Column("max_gap_s", sa.Integer(), nullable=False),
        sa.Column("input_map", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_reading_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_power_w", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_devices_tenant_id_name"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_devices_tenant_id_id"),
    )
    op.create_index("ix_devices_tenant_status", "devices", ["tenant_id", "status"])
    op.create_table(
        "device_credentials",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                                    name="fk_device_credentials_tenant_id_tenants"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("device_id", BigId, sa.ForeignKey("devices.id", ondelete="CASCADE",
                                                    name="fk_device_credentials_device_id_devices"), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", tenants.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_device_credentials"),
    )
    op.create_index("ix_device_credentials_tenant_device", "device_credentials", ["tenant_id", "device_id"])
    _create_readings()
    for table in TENANT_TABLES:
        enable_rls(table)


def _create_readings() -> None:
    if op.get_bind().dialect.name == "postgresql":
        from telemetry.partitions import MONTHS_AHEAD, ensure_partitions, month_start

        op.execute(f"CREATE TABLE readings ({READING_COLUMNS}) PARTITION BY RANGE (ts)")
        today = datetime.now(UTC).date()
        ensure_partitions(op.get_bind(), month_start(today, -25), month_start(today, MONTHS_AHEAD))
        return
    op.create_table(
        "readings",
        sa.Column("tenant_id", BigId, sa.ForeignKey("tenants.id", ondelete="CASCADE",
                                                    name="fk_readings_tenant_id_tenants"), nullable=False),
        sa.Column("device_id", BigId, nullable=False),
        sa.Column("ts", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("power_w", sa.Float(), nullable=True),
        sa.Column("energy_wh", sa.Float(), nullable=True),
        sa.Column("voltage_v", sa.Float(), nullable=True),
        sa.Column("current_a", sa.Float(), nullable=True),
        sa.Column("power_factor", sa.Float(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "device_id", "ts", name="pk_readings"),
        sa.ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"],
                                ondelete="CASCADE", name="fk_readings_tenant_id_devices"),
    )


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_rls(table)
    op.drop_table("readings")
    op.drop_index("ix_devices_tenant_status", table_name="devices")
    op.drop_index("ix_device_credentials_tenant_device", table_name="device_credentials")
    op.drop_table("device_credentials")
    op.drop_table("devices")
