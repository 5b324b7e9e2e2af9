"""A big manager's pages at the cost of a small one's: kept usage figures (usage_summary) and the
vendor's newest licenses and its floating seats in use by index (license by vendor_account_id, created_at, id;
device by vendor_account_id, floating_since where floating_in_use).

Revision ID: 0016_usage_summaries
Revises: 0015_scope_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_usage_summaries"
down_revision = "0015_scope_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "usage_summary",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(), nullable=True),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_manager.id"],
            name=op.f("fk_usage_summary_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_usage_summary_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manager_id", name=op.f("pk_usage_summary")),
    )
    op.create_index(op.f("ix_usage_summary_counted_at"), "usage_summary", ["counted_at"])
    op.create_index(op.f("ix_usage_summary_vendor_account_id"), "usage_summary", ["vendor_account_id"])
    op.create_index("ix_license_vendor_created", "license", ["vendor_account_id", "created_at", "id"])
    op.create_index(
        "ix_device_vendor_floating",
        "device",
        ["vendor_account_id", "floating_since"],
        sqlite_where=sa.text("floating_in_use = 1"),
        postgresql_where=sa.text("floating_in_use"),
    )


def downgrade():
    op.drop_index("ix_device_vendor_floating", table_name="device")
    op.drop_index("ix_license_vendor_created", table_name="license")
    op.drop_index(op.f("ix_usage_summary_vendor_account_id"), table_name="usage_summary")
    op.drop_index(op.f("ix_usage_summary_counted_at"), table_name="usage_summary")
    op.drop_table("usage_summary")
