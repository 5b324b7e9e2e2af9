"""Each manager's orders and licenses kept on their row by triggers (``portal.manager_counts``), counted
once here for the managers there are.

Revision ID: 0019_manager_counts
Revises: 0018_no_account_index
"""

import sqlalchemy as sa
from alembic import op

from portal import manager_counts

revision = "0019_manager_counts"
down_revision = "0018_no_account_index"
branch_labels = None
depends_on = None


def upgrade():
    # Added and dropped in place (SQLite 3.35+ drops columns): a batch copy of the table would lose the
    # expression indexes the inspector cannot see.
    op.add_column("license_manager", sa.Column("order_count", sa.Integer(), server_default="0", nullable=False))
    op.add_column("license_manager", sa.Column("license_count", sa.Integer(), server_default="0", nullable=False))
    manager_counts.TRIGGERS.upgrade(op.execute, op.get_bind().dialect.name)  # fill, then the triggers


def downgrade():
    manager_counts.TRIGGERS.downgrade(op.execute, op.get_bind().dialect.name)
    op.execute("ALTER TABLE license_manager DROP COLUMN license_count")
    op.execute("ALTER TABLE license_manager DROP COLUMN order_count")
