"""API keys for the vendor's back office, managers' personal tokens, idempotent answers.

Revision ID: 0005_api_keys
Revises: 0004_license_api
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_api_keys"
down_revision = "0004_license_api"
branch_labels = None
depends_on = None


def _tenant():
    return sa.Column("vendor_account_id", sa.Integer(), nullable=False)


def _tenant_fk(table):
    return sa.ForeignKeyConstraint(
        ["vendor_account_id"],
        ["vendor_account.id"],
        name=op.f(f"fk_{table}_vendor_account_id_vendor_account"),
        ondelete="CASCADE",
    )


OLD_ACTORS = "actor_type IN ('staff', 'manager', 'system')"
NEW_ACTORS = "actor_type IN ('staff', 'manager', 'system', 'api_key')"


def _actor_check(check):
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_event_actor_type"), type_="check")
        batch_op.create_check_constraint(op.f("ck_audit_event_actor_type"), check)


def upgrade():
    # An API key acts on its own: its changes are audited with the key as the actor.
    _actor_check(NEW_ACTORS)
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        _tenant(),
        sa.CheckConstraint("access IN ('read', 'read_write')", name=op.f("ck_api_key_access")),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff_user.id"],
            name=op.f("fk_api_key_created_by_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        _tenant_fk("api_key"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    with op.batch_alter_table("api_key") as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_created_by_staff_id"), ["created_by_staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_key_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "manager_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        _tenant(),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["license_manager.id"],
            name=op.f("fk_manager_token_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        _tenant_fk("manager_token"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_manager_token_prefix")),
    )
    with op.batch_alter_table("manager_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_manager_token_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_manager_token_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "idempotent_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _tenant(),
        _tenant_fk("idempotent_answer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_answer")),
        sa.UniqueConstraint("credential", "key", name=op.f("uq_idempotent_answer_credential_key")),
    )
    with op.batch_alter_table("idempotent_answer") as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotent_answer_vendor_account_id"), ["vendor_account_id"], unique=False)


def downgrade():
    op.execute("UPDATE audit_event SET actor_type = 'system' WHERE actor_type = 'api_key'")
    _actor_check(OLD_ACTORS)
    for table in ("idempotent_answer", "manager_token", "api_key"):
        op.drop_table(table)
