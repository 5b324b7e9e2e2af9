"""The overview's default order (created_at, id) by one index: ix_license_manager_vendor_created gains the
id, so PostgreSQL reads a page, and the rows a deep page skips, from the index alone (page 200 at
1,000,000 managers: an incremental sort over 4,976 fetched rows, 7.3 ms).

Revision ID: 0022_manager_created_id_index
Revises: 0021_account_manager_count
"""

from alembic import op

revision = "0022_manager_created_id_index"
down_revision = "0021_account_manager_count"
branch_labels = None
depends_on = None


NAME = "ix_license_manager_vendor_created_id"


def upgrade():
    op.create_index(NAME, "license_manager", ["vendor_account_id", "created_at", "id"])
    op.drop_index("ix_license_manager_vendor_created", table_name="license_manager")
    _statistics_for_the_new_index()


def _statistics_for_the_new_index():
    """SQLite plans an index it has no statistics for as if its vendor prefix named ten rows, beside the
    analysed indexes: at 100,000 managers every search then read all the vendor's managers through it
    (a word matching no one: 0.2 -> 225 ms). A database analysed before (``flask analyze``, the seeds)
    has license_manager analysed again; one never analysed is left to the planner's defaults, as it was."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL keeps statistics per column, which a new index over existing columns reads
    analysed = bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    if analysed:
        bind.exec_driver_sql("ANALYZE license_manager")


def downgrade():
    op.create_index("ix_license_manager_vendor_created", "license_manager", ["vendor_account_id", "created_at"])
    op.drop_index(NAME, table_name="license_manager")
