"""Branding and sign-in: each vendor's portal (slug, brand, logo, colour, staff 2FA rule), session records,
TOTP second factors with recovery codes, staff password-reset links.

New tables only (vendor_account is never rebuilt on SQLite); every existing vendor gets its branding row
with a slug from its name.

Revision ID: 0012_branding_and_sign_in
Revises: 0011_manager_locale
"""

import datetime as dt
import re
import unicodedata

import sqlalchemy as sa
from alembic import op


def _slug(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-") or "vendor"


RESERVED = {"login", "logout", "password", "account", "orders", "licenses", "devices", "users", "user-groups",
            "reports", "activity", "offline", "tokens", "static", "api", "vendor", "portal", "admin", "choose",
            "two-factor", "settings", "logo", "brand"}  # fmt: skip


def _backfill(branding):
    connection = op.get_bind()
    accounts = connection.execute(sa.text("SELECT id, name FROM vendor_account ORDER BY id")).all()
    taken, now, rows = set(RESERVED), dt.datetime.now(dt.UTC).replace(tzinfo=None), []
    for account_id, name in accounts:
        base = candidate = _slug(name)
        n = 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        rows.append(
            {"vendor_account_id": account_id, "slug": candidate, "brand_name": "",
             "staff_two_factor_required": False, "updated_at": now}
        )  # fmt: skip
    if rows:
        op.bulk_insert(branding, rows)


# revision identifiers, used by Alembic.
revision = "0012_branding_and_sign_in"
down_revision = "0011_manager_locale"
branch_labels = None
depends_on = None


def upgrade():
    branding = op.create_table(
        "vendor_branding",
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("brand_name", sa.String(length=200), nullable=False),
        sa.Column("accent_color", sa.String(length=7), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=True),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("staff_two_factor_required", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "logo_type IS NULL OR logo_type IN ('image/png', 'image/jpeg', 'image/webp')",
            name=op.f("ck_vendor_branding_logo_type"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_vendor_branding_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vendor_account_id", name=op.f("pk_vendor_branding")),
        sa.UniqueConstraint("slug", name=op.f("uq_vendor_branding_slug")),
    )
    op.create_table(
        "staff_password_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_password_token_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_password_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_password_token_token_hash")),
    )
    with op.batch_alter_table("staff_password_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_password_token_staff_user_id"), ["staff_user_id"], unique=False)

    op.create_table(
        "two_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("license_manager_id", sa.Integer(), nullable=True),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("last_counter", sa.BigInteger(), nullable=True),
        sa.Column("enabled_at", sa.DateTime(), nullable=False),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(staff_user_id IS NULL) <> (license_manager_id IS NULL)", name=op.f("ck_two_factor_one_person")
        ),
        sa.ForeignKeyConstraint(
            ["license_manager_id"],
            ["license_manager.id"],
            name=op.f("fk_two_factor_license_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_two_factor_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_two_factor_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_two_factor")),
        sa.UniqueConstraint("license_manager_id", name=op.f("uq_two_factor_license_manager_id")),
        sa.UniqueConstraint("staff_user_id", name=op.f("uq_two_factor_staff_user_id")),
    )
    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_two_factor_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("license_manager_id", sa.Integer(), nullable=True),
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(staff_user_id IS NULL) <> (license_manager_id IS NULL)", name=op.f("ck_user_session_one_person")
        ),
        sa.ForeignKeyConstraint(
            ["license_manager_id"],
            ["license_manager.id"],
            name=op.f("fk_user_session_license_manager_id_license_manager"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_user_session_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_user_session_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("sid_hash", name=op.f("uq_user_session_sid_hash")),
    )
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_license_manager_id"), ["license_manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_session_staff_user_id"), ["staff_user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_session_vendor_account_id"), ["vendor_account_id"], unique=False)

    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("two_factor_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("vendor_account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["two_factor_id"],
            ["two_factor.id"],
            name=op.f("fk_recovery_code_two_factor_id_two_factor"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_account_id"],
            ["vendor_account.id"],
            name=op.f("fk_recovery_code_vendor_account_id_vendor_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("two_factor_id", "code_hash", name=op.f("uq_recovery_code_two_factor_id_code_hash")),
    )
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_code_vendor_account_id"), ["vendor_account_id"], unique=False)

    _backfill(branding)


def downgrade():
    with op.batch_alter_table("recovery_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_code_vendor_account_id"))

    op.drop_table("recovery_code")
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_vendor_account_id"))
        batch_op.drop_index(batch_op.f("ix_user_session_staff_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_session_license_manager_id"))

    op.drop_table("user_session")
    with op.batch_alter_table("two_factor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_two_factor_vendor_account_id"))

    op.drop_table("two_factor")
    with op.batch_alter_table("staff_password_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_password_token_staff_user_id"))

    op.drop_table("staff_password_token")
    op.drop_table("vendor_branding")
