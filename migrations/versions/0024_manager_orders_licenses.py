"""Each manager's assigned orders and the licenses under them, with the orders' and licenses' own times,
as rows the database keeps (``manager_order``, ``portal.manager_orders``; ``manager_license``,
``portal.manager_licenses``), so a big manager's newest orders and licenses are read down their own
indexes: at 1,000,000 managers a manager of 20,000 orders had ~1,300 of the vendor's newest tested a page.
Filled once here, then kept by triggers.

Revision ID: 0024_manager_orders_licenses
Revises: 0023_manager_search_index
"""

import sqlalchemy as sa
from alembic import op

from portal import manager_licenses, manager_orders

revision = "0024_manager_orders_licenses"
down_revision = "0023_manager_search_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "manager_order",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_manager.id"],
            name=op.f("fk_manager_order_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order.id"], name=op.f("fk_manager_order_order_id_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_manager_order_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manager_id", "order_id", name=op.f("pk_manager_order")),
    )
    op.create_index(op.f("ix_manager_order_order_id"), "manager_order", ["order_id"])
    op.create_index(op.f("ix_manager_order_vendor_account_id"), "manager_order", ["vendor_account_id"])
    op.create_index(
        "ix_manager_order_newest", "manager_order", ["vendor_account_id", "manager_id", "created_at", "order_id"]
    )
    op.create_table(
        "manager_license",
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("license_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["license_id"], ["license.id"], name=op.f("fk_manager_license_license_id_license"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_manager.id"],
            name=op.f("fk_manager_license_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_manager_license_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("manager_id", "license_id", name=op.f("pk_manager_license")),
    )
    op.create_index(op.f("ix_manager_license_license_id"), "manager_license", ["license_id"])
    op.create_index(op.f("ix_manager_license_vendor_account_id"), "manager_license", ["vendor_account_id"])
    op.create_index(
        "ix_manager_license_newest", "manager_license", ["vendor_account_id", "manager_id", "created_at", "license_id"]
    )
    for kept in (manager_orders, manager_licenses):
        kept.TRIGGERS.upgrade(op.execute, op.get_bind().dialect.name)  # fill, then the triggers
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE manager_order")  # planned with statistics, as 0022's index is
        op.execute("ANALYZE manager_license")


def downgrade():
    for kept in (manager_licenses, manager_orders):
        kept.TRIGGERS.downgrade(op.execute, op.get_bind().dialect.name)
    op.drop_table("manager_license")
    op.drop_table("manager_order")
