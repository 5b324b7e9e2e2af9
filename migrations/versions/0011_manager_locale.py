"""The End User Portal's language a license manager chose: license_manager.locale.

Revision ID: 0011_manager_locale
Revises: 0010_manager_scope
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_manager_locale"
down_revision = "0010_manager_scope"
branch_labels = None
depends_on = None


def upgrade():
    # A plain nullable column, without batch mode: no table copy on SQLite.
    op.add_column("license_manager", sa.Column("locale", sa.String(length=5), nullable=True))


def downgrade():
    # In place (ALTER TABLE … DROP COLUMN), never batch mode: rebuilding license_manager on SQLite
    # would drop the old table and cascade to the rows that refer to it.
    op.drop_column("license_manager", "locale")
