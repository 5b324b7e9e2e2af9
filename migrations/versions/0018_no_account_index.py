"""The overview's customer account sort reads the managers in no customer account by id, then those in
one by account name: ix_license_manager_vendor_no_account serves the first run.

Revision ID: 0018_no_account_index
Revises: 0017_usage_summary_requested
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_no_account_index"
down_revision = "0017_usage_summary_requested"
branch_labels = None
depends_on = None

NAME = "ix_license_manager_vendor_no_account"
WHERE = sa.text("customer_account_id IS NULL")


def upgrade():
    op.create_index(NAME, "license_manager", ["vendor_account_id", "id"], sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade():
    op.drop_index(NAME, table_name="license_manager")
