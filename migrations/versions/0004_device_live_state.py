"""devices: live state of the newest reading and since when

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import tenants.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("state", sa.String(8), nullable=True))
        batch.add_column(sa.Column("state_since", tenants.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("state_since")
        batch.drop_column("state")
