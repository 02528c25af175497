"""reading_blocks: a device's readings of a finished UTC day packed into one compressed block

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "reading_blocks",
        sa.Column("device_id", BigId, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_ts", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_ts", tenants.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"],
                                name="fk_reading_blocks_tenant_id_devices", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name="fk_reading_blocks_tenant_id_tenants",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "device_id", "day", name="pk_reading_blocks"),
    )
    if op.get_bind().dialect.name == "postgresql":  # already compressed: no second try by TOAST
        op.execute("ALTER TABLE reading_blocks ALTER COLUMN data SET STORAGE EXTERNAL")
    enable_rls("reading_blocks")


def downgrade() -> None:
    disable_rls("reading_blocks")
    op.drop_table("reading_blocks")
