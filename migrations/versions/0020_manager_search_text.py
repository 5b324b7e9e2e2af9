"""Each manager's name, email and customer account in one text on their row, kept by triggers
(``portal.manager_search_text``), for the overview's search to test without joining; filled here.

Revision ID: 0020_manager_search_text
Revises: 0019_manager_counts
"""

import sqlalchemy as sa
from alembic import op

from portal import manager_search_text

revision = "0020_manager_search_text"
down_revision = "0019_manager_counts"
branch_labels = None
depends_on = None


def upgrade():
    # Added and dropped in place, as in 0019: a batch copy would lose the expression indexes.
    op.add_column("license_manager", sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    manager_search_text.UNINDEXED_TRIGGERS.upgrade(
        op.execute, op.get_bind().dialect.name
    )  # fill, then the triggers (0023 indexes the text)


def downgrade():
    manager_search_text.UNINDEXED_TRIGGERS.downgrade(op.execute, op.get_bind().dialect.name)
    op.execute("ALTER TABLE license_manager DROP COLUMN search_text")
