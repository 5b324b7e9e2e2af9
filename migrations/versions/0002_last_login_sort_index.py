"""An index for the License Managers overview sorted by last sign-in ("never" as the oldest).

Revision ID: 0002_last_login_sort_index
Revises: 0001_domain_model
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_last_login_sort_index"
down_revision = "0001_domain_model"
branch_labels = None
depends_on = None

NEVER = "'1970-01-01 00:00:00.000000'"


def upgrade():
    op.create_index(
        "ix_license_manager_vendor_last_login_sort",
        "license_manager",
        ["vendor_account_id", sa.text(f"coalesce(last_login_at, {NEVER})"), "id"],
    )


def downgrade():
    op.drop_index("ix_license_manager_vendor_last_login_sort", table_name="license_manager")
