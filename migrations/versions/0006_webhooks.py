"""Webhooks: endpoints and their deliveries; and the job runner's dead letters (failed_job).

Revision ID: 0006_webhooks
Revises: 0005_api_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_webhooks"
down_revision = "0005_api_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "failed_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.Column("retried_at", sa.DateTime(), nullable=True),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_failed_job_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_job")),
    )
    with op.batch_alter_table("failed_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_job_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_webhook_endpoint_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoint_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.String(length=500), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'dead')", name=op.f("ck_webhook_delivery_status")
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_webhook_delivery_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_delivery_endpoint_created", ["endpoint_id", "id"], unique=False)
        batch_op.create_index("ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_delivery_vendor_account_id"), ["vendor_account_id"], unique=False)


def downgrade():
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_vendor_account_id"))
        batch_op.drop_index("ix_webhook_delivery_endpoint_created")
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoint_vendor_account_id"))

    op.drop_table("webhook_endpoint")
    with op.batch_alter_table("failed_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_job_vendor_account_id"))

    op.drop_table("failed_job")
