"""Indexed search and the overview's page indexes: trigram indexes, status and name sort indexes.

SQLite: an FTS5 table with the trigram tokenizer per searched table, external content, kept in
step by triggers. PostgreSQL: pg_trgm GIN indexes. The statements are written out here (not read
from ``portal.search``) so this migration stays what it was when the code moves on; a test checks
that they create what ``portal.search`` describes.

Also: the overview filtered by status and sorted (status, created_at, id), and the name sort
with a tie-break the index holds (first_name, last_name, id).

Revision ID: 0007_search_indexes
Revises: 0006_webhooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_search_indexes"
down_revision = "0006_webhooks"
branch_labels = None
depends_on = None

SEARCHED = {
    "license_user": ("first_name", "last_name", "email"),
    "customer_account": ("name",),
    "license": ("license_key", "note"),
    "order": ("reference",),
    "audit_event": ("actor_label", "object_label"),
}


def _sqlite_search(table: str, columns: tuple[str, ...]) -> list[str]:
    fts, quoted = f"{table}_search", f'"{table}"'
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    insert = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={quoted}, content_rowid='id', tokenize='trigram')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {quoted} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {quoted} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {quoted} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table, columns in SEARCHED.items():
            for statement in _sqlite_search(table, columns):
                op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, columns in SEARCHED.items():
            ops = ", ".join(f"{c} gin_trgm_ops" for c in columns)
            op.execute(f'CREATE INDEX IF NOT EXISTS ix_{table}_search ON "{table}" USING gin ({ops})')
    # status=invited (or any status) in the overview's default order, served by one index.
    op.create_index(
        "ix_license_manager_vendor_status_created",
        "license_manager",
        ["vendor_account_id", "status", "created_at", "id"],
    )
    op.drop_index("ix_license_manager_vendor_status", table_name="license_manager")
    # The managers of the customer accounts a search found; partial, so its statistics are not
    # swamped by the managers without a customer account.
    op.create_index(
        "ix_license_manager_vendor_customer_account",
        "license_manager",
        ["vendor_account_id", "customer_account_id"],
        sqlite_where=sa.text("customer_account_id IS NOT NULL"),
        postgresql_where=sa.text("customer_account_id IS NOT NULL"),
    )
    # Sort by name: the tie-break is the license user's id, which this index holds.
    op.create_index(
        "ix_license_user_vendor_name_id", "license_user", ["vendor_account_id", "first_name", "last_name", "id"]
    )
    op.drop_index("ix_license_user_vendor_name", table_name="license_user")


def downgrade():
    op.drop_index("ix_license_manager_vendor_customer_account", table_name="license_manager")
    op.create_index("ix_license_user_vendor_name", "license_user", ["vendor_account_id", "first_name", "last_name"])
    op.drop_index("ix_license_user_vendor_name_id", table_name="license_user")
    op.create_index("ix_license_manager_vendor_status", "license_manager", ["vendor_account_id", "status"])
    op.drop_index("ix_license_manager_vendor_status_created", table_name="license_manager")
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_search_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_search")
    else:
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
