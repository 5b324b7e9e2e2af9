"""A big manager's pages ask the job runner for a count once, not once a view: usage_summary.requested_at.

Revision ID: 0017_usage_summary_requested
Revises: 0016_usage_summaries
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_usage_summary_requested"
down_revision = "0016_usage_summaries"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("usage_summary") as batch:
        batch.add_column(sa.Column("requested_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("usage_summary") as batch:
        batch.drop_column("requested_at")
