"""Vendor-and-key indexes for a manager's account-scoped orders (portal.scope): customer by
(vendor_account_id, customer_account_id), order by (vendor_account_id, customer_id).

Revision ID: 0015_scope_indexes
Revises: 0014_status_index_covers_expiry
"""

from alembic import op

revision = "0015_scope_indexes"
down_revision = "0014_status_index_covers_expiry"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customer_vendor_customer_account", "customer", ["vendor_account_id", "customer_account_id"])
    op.create_index("ix_order_vendor_customer", "order", ["vendor_account_id", "customer_id"])


def downgrade():
    op.drop_index("ix_order_vendor_customer", table_name="order")
    op.drop_index("ix_customer_vendor_customer_account", table_name="customer")
