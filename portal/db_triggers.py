"""Triggers through which the database keeps values on rows itself (``manager_counts``, ``manager_search_text``).

Each such module names its triggers for both databases: SQLite's as the text after ``CREATE TRIGGER
<name>``, PostgreSQL's as a ``PgTrigger`` whose function (named as the trigger) runs its statements.
The migration that introduces them writes ``create_ddl``; ``install`` has ``create_all`` (tests, a
new database) write it too. Dropping the tables drops the triggers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

import sqlalchemy as sa


class PgTrigger(NamedTuple):
    table: str
    events: str  # "AFTER INSERT", "BEFORE UPDATE OF name", ...
    each: str  # "FOR EACH ROW [WHEN (...)]", "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    body: str  # the function's statements
    returns: str = "NULL"  # what the function returns: NEW or OLD for a BEFORE row trigger that lets the row through


Triggers = tuple[Mapping[str, str], Mapping[str, PgTrigger]]


def create_ddl(dialect: str, triggers: Triggers) -> list[str]:
    sqlite, postgresql = triggers
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {name} {body}" for name, body in sqlite.items()]
    ddl = []
    for name, t in postgresql.items():
        ddl.append(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {t.body} RETURN {t.returns}; END $$"
        )
        ddl.append(f'CREATE TRIGGER {name} {t.events} ON "{t.table}" {t.each} EXECUTE FUNCTION {name}()')
    return ddl


def drop_ddl(dialect: str, triggers: Triggers) -> list[str]:
    sqlite, postgresql = triggers
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite]
    ddl = []
    for name, t in postgresql.items():
        ddl += [f'DROP TRIGGER IF EXISTS {name} ON "{t.table}"', f"DROP FUNCTION IF EXISTS {name}()"]
    return ddl


def install(metadata: sa.MetaData, create: Callable[[str], list[str]]) -> None:
    """Have ``create_all`` write ``create(dialect)`` once it has made the tables; once per metadata,
    however many apps are made with it (one per test)."""
    installed = metadata.info.setdefault("db_triggers", set())
    if create in installed:
        return
    installed.add(create)

    def _create(target, connection, **kw) -> None:
        for statement in create(connection.dialect.name):
            connection.exec_driver_sql(statement)

    sa.event.listen(metadata, "after_create", _create)
