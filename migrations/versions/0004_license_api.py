"""License API: each vendor account's public id and Ed25519 signing key pair.

Existing accounts get a public id and a key pair here; new ones get their public id from the
model and their key pair on first use (``portal.signing.ensure_key``).

Revision ID: 0004
Revises: 0003_staff_roles
"""

import secrets

import sqlalchemy as sa
from alembic import op

from portal.signing import new_key_pair

revision = "0004"
down_revision = "0003_staff_roles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("vendor_account") as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("signing_private_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signing_public_key", sa.String(length=64), nullable=True))
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
    with op.batch_alter_table("vendor_account") as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_vendor_account_public_id"), ["public_id"])


def downgrade():
    with op.batch_alter_table("vendor_account") as batch_op:
        batch_op.drop_constraint(op.f("uq_vendor_account_public_id"), type_="unique")
        batch_op.drop_column("signing_public_key")
        batch_op.drop_column("signing_private_key")
        batch_op.drop_column("public_id")
