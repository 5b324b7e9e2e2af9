"""Notices: a manager's digest switches and private calendar feed (manager_notices).

Revision ID: 0013_notices
Revises: 0012_branding_and_sign_in
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_notices"
down_revision = "0012_branding_and_sign_in"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "manager_notices",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("expiring", sa.Boolean(), nullable=False),
        sa.Column("invitations", sa.Boolean(), nullable=False),
        sa.Column("floating", sa.Boolean(), nullable=False),
        sa.Column("calendar_token_hash", sa.String(length=64), nullable=True),
        sa.Column("calendar_created_at", sa.DateTime(), nullable=True),
        sa.Column("last_digest_on", sa.Date(), nullable=True),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_manager.id"],
            name=op.f("fk_manager_notices_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_manager_notices_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manager_id", name=op.f("pk_manager_notices")),
        sa.UniqueConstraint("calendar_token_hash", name=op.f("uq_manager_notices_calendar_token_hash")),
    )
    with op.batch_alter_table("manager_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manager_notices_vendor_account_id"), ["vendor_account_id"], unique=False)


def downgrade():
    with op.batch_alter_table("manager_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manager_notices_vendor_account_id"))
    op.drop_table("manager_notices")
