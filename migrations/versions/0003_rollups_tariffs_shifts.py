"""rollups, dirty windows, tariffs and shifts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:44:20.818213
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls  # noqa: F401  (every tenant-owned table needs RLS)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TENANT_TABLES = ("rollups", "rollup_dirty", "tariffs", "shifts")


def upgrade() -> None:
    op.create_table('rollup_dirty',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('first_ts', tenants.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_ts', tenants.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rollup_dirty_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_dirty'))
    )
    with op.batch_alter_table('rollup_dirty', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_dirty_tenant_device', ['tenant_id', 'device_id'], unique=False)

    op.create_table('shifts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start', sa.String(length=5), nullable=False),
    sa.Column('end', sa.String(length=5), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_shifts_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shifts'))
    )
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.create_index('ix_shifts_tenant', ['tenant_id', 'weekday'], unique=False)

    op.create_table('tariffs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('price_per_kwh', sa.Float(), nullable=False),
    sa.Column('bands', sa.JSON(), nullable=False),
    sa.Column('updated_at', tenants.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tariffs_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariffs'))
    )
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.create_index('uq_tariffs_tenant', ['tenant_id'], unique=True)

    op.create_table('rollups',
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bucket_start', tenants.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('energy_wh', sa.Float(), nullable=False),
    sa.Column('running_s', sa.Float(), nullable=False),
    sa.Column('idle_s', sa.Float(), nullable=False),
    sa.Column('off_s', sa.Float(), nullable=False),
    sa.Column('running_wh', sa.Float(), nullable=False),
    sa.Column('idle_wh', sa.Float(), nullable=False),
    sa.Column('off_wh', sa.Float(), nullable=False),
    sa.Column('max_power_w', sa.Float(), nullable=True),
    sa.Column('avg_power_w', sa.Float(), nullable=True),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'],
                            name=op.f('fk_rollups_tenant_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rollups_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'device_id', 'bucket_start', name=op.f('pk_rollups'))
    )
    for table in TENANT_TABLES:
        enable_rls(table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_rls(table)
    op.drop_table('rollups')
    with op.batch_alter_table('tariffs', schema=None) as batch_op:
        batch_op.drop_index('uq_tariffs_tenant')

    op.drop_table('tariffs')
    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_shifts_tenant')

    op.drop_table('shifts')
    with op.batch_alter_table('rollup_dirty', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_dirty_tenant_device')

    op.drop_table('rollup_dirty')
