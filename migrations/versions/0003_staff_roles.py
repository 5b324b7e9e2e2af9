"""Staff roles: owner, admin or support; everyone who signed in before is an owner.

Revision ID: 0003_staff_roles
Revises: 0002_last_login_sort_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_staff_roles"
down_revision = "0002_last_login_sort_index"
branch_labels = None
depends_on = None

ROLE_CHECK = "role IN ('owner', 'admin', 'support')"


def upgrade():
    # Staff could do everything until now: keep it so by making them owners.
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default="owner"))
    # New rows get their role from the application (the model's default, the CLI's --role).
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=20), server_default=None)
        batch_op.create_check_constraint(op.f("ck_staff_user_role"), ROLE_CHECK)


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_user_role"), type_="check")
        batch_op.drop_column("role")
