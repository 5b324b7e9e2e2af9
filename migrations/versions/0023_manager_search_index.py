"""Each manager's search text indexed by trigrams, so the overview's search finds managers through one
index instead of their users' and accounts' (SQLite, a common first name at 1,000,000 managers: the capped
count read 10,001 user candidates, each joined to its manager by index; PostgreSQL, 2,500 matches of
100,000: their users' ids read out and sent back, 67 ms). SQLite: an FTS5 table, ``license_manager_search``,
kept by the triggers that write the text (``portal.manager_search_text``). PostgreSQL: a GIN index,
``ix_license_manager_search``.

Revision ID: 0023_manager_search_index
Revises: 0022_manager_created_id_index
"""

from alembic import op

from portal import manager_search_text

revision = "0023_manager_search_index"
down_revision = "0022_manager_created_id_index"
branch_labels = None
depends_on = None

# Written out, as 0007's are: this migration stays what it was when portal.search moves on.
CREATE = (
    'CREATE VIRTUAL TABLE license_manager_search USING fts5(search_text, content="license_manager", '
    "content_rowid='id', tokenize='trigram')"
)
REBUILD = "INSERT INTO license_manager_search(license_manager_search) VALUES ('rebuild')"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.execute("CREATE INDEX ix_license_manager_search ON license_manager USING gin (search_text gin_trgm_ops)")
        return
    manager_search_text.UNINDEXED_TRIGGERS.downgrade(op.execute, "sqlite")
    op.execute(CREATE)
    op.execute(REBUILD)
    for statement in manager_search_text.TRIGGERS.create_ddl("sqlite"):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP INDEX ix_license_manager_search")
        return
    manager_search_text.TRIGGERS.downgrade(op.execute, "sqlite")
    op.execute("DROP TABLE license_manager_search")
    for statement in manager_search_text.UNINDEXED_TRIGGERS.create_ddl("sqlite"):
        op.execute(statement)
