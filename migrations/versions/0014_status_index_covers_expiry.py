"""The status filter's index also holds invitation_expires_at, so the capped count of "invited" or
"expired" managers reads the index alone.

Revision ID: 0014_status_index_covers_expiry
Revises: 0013_notices
"""

from alembic import op

revision = "0014_status_index_covers_expiry"
down_revision = "0013_notices"
branch_labels = None
depends_on = None

NAME = "ix_license_manager_vendor_status_created"
BEFORE = ["vendor_account_id", "status", "created_at", "id"]


def upgrade():
    op.drop_index(NAME, table_name="license_manager")
    op.create_index(NAME, "license_manager", [*BEFORE, "invitation_expires_at"])


def downgrade():
    op.drop_index(NAME, table_name="license_manager")
    op.create_index(NAME, "license_manager", BEFORE)
