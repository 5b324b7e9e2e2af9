"""License API: each vendor account's public id and Ed25519 signing key pair.

Existing accounts get a public id and a key pair here; new ones get their public id from the
model and their key pair on first use (``portal.signing.ensure_key``). Columns are added in
place, never by batch mode: rebuilding ``vendor_account`` on SQLite would drop the old table,
and with foreign keys on that cascades to every row of every vendor.

Revision ID: 0004_license_api
Revises: 0003_staff_roles
"""

import secrets

import sqlalchemy as sa
from alembic import op

from portal.signing import new_key_pair

revision = "0004_license_api"
down_revision = "0003_staff_roles"
branch_labels = None
depends_on = None


def upgrade():
    # NOT NULL needs a default for the rows already there; it is filled just below.
    op.add_column("vendor_account", sa.Column("public_id", sa.String(length=32), nullable=False, server_default=""))
    op.add_column("vendor_account", sa.Column("signing_private_key", sa.String(length=64), nullable=True))
    op.add_column("vendor_account", sa.Column("signing_public_key", sa.String(length=64), nullable=True))
    accounts = sa.table(
        "vendor_account",
        sa.column("id", sa.Integer),
        sa.column("public_id", sa.String),
        sa.column("signing_private_key", sa.String),
        sa.column("signing_public_key", sa.String),
    )
    connection = op.get_bind()
    for (account_id,) in connection.execute(sa.select(accounts.c.id)).all():
        private, public = new_key_pair()
        connection.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(public_id="va_" + secrets.token_hex(8), signing_private_key=private, signing_public_key=public)
        )
    if connection.dialect.name != "sqlite":  # SQLite cannot drop a default in place; the model always sets it
        op.alter_column("vendor_account", "public_id", existing_type=sa.String(length=32), server_default=None)
    op.create_index(op.f("ix_vendor_account_public_id"), "vendor_account", ["public_id"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_vendor_account_public_id"), table_name="vendor_account")
    op.drop_column("vendor_account", "signing_public_key")
    op.drop_column("vendor_account", "signing_private_key")
    op.drop_column("vendor_account", "public_id")
