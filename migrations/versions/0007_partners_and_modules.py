"""partners, partner members and modules (platform-level: no tenant_id, no row-level security)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import tenants.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = tenants.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", BigId, nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("payout_details", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("slug", name="uq_partners_slug"),
    )
    op.create_table(
        "partner_members",
        sa.Column("id", BigId, nullable=False),
        sa.Column("partner_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name="fk_partner_members_partner_id_partners",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_partner_members_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_partner_members"),
        sa.UniqueConstraint("partner_id", "user_id", name="uq_partner_members_partner_id_user_id"),
    )
    op.create_index("ix_partner_members_user_id", "partner_members", ["user_id"])
    op.create_table(
        "modules",
        sa.Column("id", BigId, nullable=False),
        sa.Column("partner_id", BigId, nullable=False),
        sa.Column("slug", sa.String(50), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("draft_manifest", sa.JSON(), nullable=False),
        sa.Column("live_manifest", sa.JSON(), nullable=True),
        sa.Column("review_pending", sa.Boolean(), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("scopes_version", sa.Integer(), nullable=False),
        sa.Column("reviewed_by_id", BigId, nullable=True),
        sa.Column("reviewed_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name="fk_modules_partner_id_partners",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name="fk_modules_reviewed_by_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_modules"),
        sa.UniqueConstraint("slug", name="uq_modules_slug"),
    )
    op.create_index("ix_modules_partner_id", "modules", ["partner_id"])


def downgrade() -> None:
    op.drop_index("ix_modules_partner_id", table_name="modules")
    op.drop_table("modules")
    op.drop_index("ix_partner_members_user_id", table_name="partner_members")
    op.drop_table("partner_members")
    op.drop_table("partners")
