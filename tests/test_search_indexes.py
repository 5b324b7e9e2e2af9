"""The search indexes the migration writes are the ones ``portal.search`` describes (and create_all makes)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app, search
from portal.extensions import db
from tests.conftest import BACKEND, BASE_CONFIG
from tests.test_migrations import blank_url  # noqa: F401  (a fixture)


def _search_objects(engine) -> dict[str, str]:
    if BACKEND == "postgresql":
        # A bound pattern: psycopg reads a literal % in the statement as a placeholder.
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %(pattern)s"
        parameters = {"pattern": "ix\\_%\\_search"}
    else:
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE '%\\_search%' "
            "ESCAPE '\\' AND sql IS NOT NULL"
        )
        parameters = {}
    with engine.connect() as connection:
        return {name: " ".join(sql.split()) for name, sql in connection.exec_driver_sql(query, parameters or ())}


def test_migration_and_create_all_make_the_same_search_indexes(app, blank_url):  # noqa: F811
    with app.app_context():
        made = _search_objects(db.engine)
    migrated_app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": blank_url})
    with migrated_app.app_context():
        upgrade()
        migrated = _search_objects(db.engine)
        db.engine.dispose()
    assert migrated == made
    if BACKEND == "postgresql":
        assert set(made) == search.PG_INDEXES
    else:
        assert {name for name in made if name in search.FTS_TABLES} == search.FTS_TABLES
        # Each FTS5 table, its three triggers and its four shadow tables (no copy of the text: external content);
        # the managers' has no triggers of its own (kept by ``portal.manager_search_text``'s).
        kept = [index for index in search.INDEXES.values() if index.kept_by_triggers]
        assert len(made) == 8 * len(search.FTS_TABLES) - 3 * len(kept)
        assert not any(name.endswith("_content") for name in made)


def test_a_migrated_database_is_filled_from_the_rows_already_there(app, make):
    """The migration's 'rebuild' (SQLite) indexes the rows written before it; the GIN index does so itself."""
    w = make.world()
    make.manager(w["vendor"], email="before@index.test")
    with app.app_context():
        if BACKEND == "postgresql":
            return
        with db.engine.begin() as connection:
            # Emptied, as before the migration ran over rows already there.
            connection.exec_driver_sql("INSERT INTO license_user_search(license_user_search) VALUES ('delete-all')")
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM license_user_search WHERE license_user_search MATCH '\"before@\"'"
            )
            assert found.scalar() == 0
            connection.exec_driver_sql("INSERT INTO license_user_search(license_user_search) VALUES ('rebuild')")
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM license_user_search WHERE license_user_search MATCH '\"before@\"'"
            )
            assert found.scalar() == 1
        assert sa.inspect(db.engine).has_table("license_user")
