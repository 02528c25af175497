"""The shop floor and messaging: stop reasons and events, stop detection windows, machine production settings,
per-shift counts, display links; message channels, push subscriptions, shift reports

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import tenants.db
from migrations.rls import disable_rls, enable_rls

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Stamp = tenants.db.UTCDateTime(timezone=True)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


TABLES = ("display_links", "message_channels", "push_subscriptions", "shift_reports", "stop_reasons",
          "machine_settings", "production_counts", "stop_events", "stop_windows")


def upgrade() -> None:
    op.create_table(
        'display_links',
        sa.Column('id', BigId, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', BigId, nullable=True),
        sa.Column('created_at', Stamp, nullable=False),
        sa.Column('last_used_at', Stamp, nullable=True),
        sa.Column('revoked_at', Stamp, nullable=True),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_display_links_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_display_links_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_display_links'))
    )
    with op.batch_alter_table('display_links', schema=None) as batch_op:
        batch_op.create_index('ix_display_links_tenant', ['tenant_id'], unique=False)
    op.create_table(
        'message_channels',
        sa.Column('id', BigId, nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('target_encrypted', sa.Text(), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=True),
        sa.Column('target_hint', sa.String(length=120), nullable=False),
        sa.Column('sends_alerts', sa.Boolean(), nullable=False),
        sa.Column('sends_shift_reports', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=10), nullable=False),
        sa.Column('created_by_id', BigId, nullable=True),
        sa.Column('created_at', Stamp, nullable=False),
        sa.Column('last_sent_at', Stamp, nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_message_channels_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_message_channels_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_message_channels'))
    )
    with op.batch_alter_table('message_channels', schema=None) as batch_op:
        batch_op.create_index('ix_message_channels_tenant', ['tenant_id'], unique=False)
    op.create_table(
        'push_subscriptions',
        sa.Column('id', BigId, nullable=False),
        sa.Column('user_id', BigId, nullable=False),
        sa.Column('endpoint', sa.Text(), nullable=False),
        sa.Column('endpoint_hash', sa.String(length=64), nullable=False),
        sa.Column('keys', sa.JSON(), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=False),
        sa.Column('sends_alerts', sa.Boolean(), nullable=False),
        sa.Column('sends_shift_reports', sa.Boolean(), nullable=False),
        sa.Column('created_at', Stamp, nullable=False),
        sa.Column('last_sent_at', Stamp, nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_push_subscriptions_tenant_id_tenants'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_push_subscriptions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_push_subscriptions')),
        sa.UniqueConstraint('tenant_id', 'endpoint_hash',
                                name='uq_push_subscriptions_endpoint')
    )
    op.create_table(
        'shift_reports',
        sa.Column('id', BigId, nullable=False),
        sa.Column('shift_start', Stamp, nullable=False),
        sa.Column('shift_end', Stamp, nullable=False),
        sa.Column('claimed_at', Stamp, nullable=False),
        sa.Column('sent_at', Stamp, nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('deliveries', sa.JSON(), nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_shift_reports_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_shift_reports')),
        sa.UniqueConstraint('tenant_id', 'shift_start',
                                name='uq_shift_reports_shift')
    )
    op.create_table(
        'stop_reasons',
        sa.Column('id', BigId, nullable=False),
        sa.Column('label', sa.String(length=60), nullable=False),
        sa.Column('category', sa.String(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('created_at', Stamp, nullable=False),
        sa.Column('archived_at', Stamp, nullable=True),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_stop_reasons_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_stop_reasons')),
        sa.UniqueConstraint('tenant_id', 'label',
                                name='uq_stop_reasons_tenant_label')
    )
    op.create_table(
        'machine_settings',
        sa.Column('id', BigId, nullable=False),
        sa.Column('device_id', BigId, nullable=False),
        sa.Column('min_stop_s', sa.Integer(), nullable=False),
        sa.Column('count_cycles', sa.Boolean(), nullable=False),
        sa.Column('cycle_above_w', sa.Float(), nullable=True),
        sa.Column('cycle_min_s', sa.Float(), nullable=True),
        sa.Column('cycle_max_s', sa.Float(), nullable=True),
        sa.Column('ideal_cycle_s', sa.Float(), nullable=True),
        sa.Column('learned_cycle_s', sa.Float(), nullable=True),
        sa.Column('learned_at', Stamp, nullable=True),
        sa.Column('updated_at', Stamp, nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'],
                                name='fk_machine_settings_tenant_id_devices', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_machine_settings_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_machine_settings')),
        sa.UniqueConstraint('tenant_id', 'device_id',
                                name='uq_machine_settings_device')
    )
    op.create_table(
        'production_counts',
        sa.Column('id', BigId, nullable=False),
        sa.Column('device_id', BigId, nullable=False),
        sa.Column('shift_start', Stamp, nullable=False),
        sa.Column('shift_end', Stamp, nullable=False),
        sa.Column('parts', sa.Integer(), nullable=True),
        sa.Column('scrap', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('entered_by_id', BigId, nullable=True),
        sa.Column('entered_at', Stamp, nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_production_counts_entered_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'],
                                name='fk_production_counts_tenant_id_devices', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_production_counts_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_production_counts')),
        sa.UniqueConstraint('tenant_id', 'device_id', 'shift_start',
                                name='uq_production_counts_shift')
    )
    op.create_table(
        'stop_events',
        sa.Column('id', BigId, nullable=False),
        sa.Column('device_id', BigId, nullable=False),
        sa.Column('started_at', Stamp, nullable=False),
        sa.Column('ended_at', Stamp, nullable=True),
        sa.Column('off_s', sa.Float(), nullable=False),
        sa.Column('idle_s', sa.Float(), nullable=False),
        sa.Column('reason_id', BigId, nullable=True),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('tagged_by_id', BigId, nullable=True),
        sa.Column('tagged_at', Stamp, nullable=True),
        sa.Column('detected_at', Stamp, nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['reason_id'], ['stop_reasons.id'],
                                name=op.f('fk_stop_events_reason_id_stop_reasons'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tagged_by_id'], ['users.id'],
                                name=op.f('fk_stop_events_tagged_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'],
                                name='fk_stop_events_tenant_id_devices', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_stop_events_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_stop_events')),
        sa.UniqueConstraint('tenant_id', 'device_id', 'started_at',
                                name='uq_stop_events_device_start')
    )
    with op.batch_alter_table('stop_events', schema=None) as batch_op:
        batch_op.create_index('ix_stop_events_tenant_started', ['tenant_id', 'started_at'], unique=False)

    op.create_table(
        'stop_windows',
        sa.Column('id', BigId, nullable=False),
        sa.Column('device_id', BigId, nullable=False),
        sa.Column('first_ts', Stamp, nullable=False),
        sa.Column('last_ts', Stamp, nullable=False),
        sa.Column('tenant_id', BigId, nullable=False),
        sa.ForeignKeyConstraint(['tenant_id', 'device_id'], ['devices.tenant_id', 'devices.id'],
                                name='fk_stop_windows_tenant_id_devices', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_stop_windows_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id',
                                name=op.f('pk_stop_windows'))
    )
    with op.batch_alter_table('stop_windows', schema=None) as batch_op:
        batch_op.create_index('ix_stop_windows_tenant_device', ['tenant_id', 'device_id'], unique=False)

    for table in TABLES:
        enable_rls(table)


def downgrade() -> None:
    for table in TABLES:
        disable_rls(table)
    with op.batch_alter_table('stop_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_stop_windows_tenant_device')

    op.drop_table('stop_windows')
    with op.batch_alter_table('stop_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stop_events_tenant_started')

    op.drop_table('stop_events')
    op.drop_table('production_counts')
    op.drop_table('machine_settings')
    op.drop_table('stop_reasons')
    op.drop_table('shift_reports')
    op.drop_table('push_subscriptions')
    op.drop_table('message_channels')
    op.drop_table('display_links')
