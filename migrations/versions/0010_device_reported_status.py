"""devices: what a device last reported about itself (relay state, Wi-Fi signal, uptime), from posts
that carry no power or energy and so are no readings

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import tenants.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("reported_status", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("reported_at", tenants.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("reported_at")
        batch.drop_column("reported_status")
