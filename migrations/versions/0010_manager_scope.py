"""A manager's scope and invitation: when the invitation link lapses; customer-account scope looked up by account.

Revision ID: 0010_manager_scope
Revises: 0009_list_views

``license_manager.invitation_expires_at`` is a plain nullable column (no batch mode: SQLite keeps
the table). Invitations already sent get the link lifetime they were sent with (72 hours, the
default). ``manager_customer_account`` is read by customer account too (which managers reach an
order of this account), so that column gets its own index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_manager_scope"
down_revision = "0009_list_views"
branch_labels = None
depends_on = None

LINK_HOURS = 72


def upgrade():
    op.add_column("license_manager", sa.Column("invitation_expires_at", sa.DateTime(), nullable=True))
    op.create_index(
        op.f("ix_manager_customer_account_customer_account_id"),
        "manager_customer_account",
        ["customer_account_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLAlchemy's own text format for SQLite timestamps, so the ORM reads the value back.
        expires = f"strftime('%Y-%m-%d %H:%M:%S.000000', invited_at, '+{LINK_HOURS} hours')"
    else:
        expires = f"invited_at + interval '{LINK_HOURS} hours'"
    op.execute(
        f"UPDATE license_manager SET invitation_expires_at = {expires} "
        "WHERE status = 'invited' AND invited_at IS NOT NULL"
    )


def downgrade():
    op.drop_index(op.f("ix_manager_customer_account_customer_account_id"), table_name="manager_customer_account")
    op.drop_column("license_manager", "invitation_expires_at")
