"""Each vendor account's number of managers kept on its row by triggers (``portal.account_counts``),
counted once here.

Revision ID: 0021_account_manager_count
Revises: 0020_manager_search_text
"""

import sqlalchemy as sa
from alembic import op

from portal import account_counts

revision = "0021_account_manager_count"
down_revision = "0020_manager_search_text"
branch_labels = None
depends_on = None


def upgrade():
    # In place (SQLite adds a column without copying the table, which would cascade to every row of the account).
    op.add_column("vendor_account", sa.Column("manager_count", sa.Integer(), server_default="0", nullable=False))
    account_counts.TRIGGERS.upgrade(op.execute, op.get_bind().dialect.name)  # fill, then the triggers


def downgrade():
    account_counts.TRIGGERS.downgrade(op.execute, op.get_bind().dialect.name)
    op.execute("ALTER TABLE vendor_account DROP COLUMN manager_count")
