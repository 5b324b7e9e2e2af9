"""Triggers through which the database keeps values on rows itself: each manager's counts
(``manager_counts``), their search text (``manager_search_text``), each vendor's number of managers
(``account_counts``).

Each such module names its triggers for both databases in one ``TriggerSet``: SQLite's as the text
after ``CREATE TRIGGER <name>``, PostgreSQL's as a ``PgTrigger`` whose function (named as the trigger)
runs its statements, and the statement that fills the values for the rows already there. The
migration that introduces a set runs ``upgrade`` (fill, then triggers); ``install`` has ``create_all``
(tests, a new database) write the triggers too. Dropping the tables drops the triggers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa


class PgTrigger(NamedTuple):
    table: str
    events: str  # "AFTER INSERT", "BEFORE UPDATE OF name", ...
    each: str  # "FOR EACH ROW [WHEN (...)]", "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    body: str  # the function's statements
    returns: str = "NULL"  # what the function returns: NEW or OLD for a BEFORE row trigger that lets the row through


@dataclass(frozen=True, eq=False)  # one object per module: compared and hashed as itself
class TriggerSet:
    sqlite: Mapping[str, str]
    postgresql: Mapping[str, PgTrigger]
    fill: str  # the kept values made afresh from the rows they follow (a migration's backfill)
    # SQLite: what the triggers also keep from the values, made afresh after a fill they did not see (an FTS5 index)
    sqlite_reindex: tuple[str, ...] = ()

    def names(self, dialect: str) -> list[str]:
        return list(self.sqlite if dialect == "sqlite" else self.postgresql)

    def create_ddl(self, dialect: str) -> list[str]:
        if dialect == "sqlite":
            return [f"CREATE TRIGGER {name} {body}" for name, body in self.sqlite.items()]
        ddl = []
        for name, t in self.postgresql.items():
            ddl.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {t.body} RETURN {t.returns}; END $$"
            )
            ddl.append(f'CREATE TRIGGER {name} {t.events} ON "{t.table}" {t.each} EXECUTE FUNCTION {name}()')
        return ddl

    def drop_ddl(self, dialect: str) -> list[str]:
        if dialect == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {name}" for name in self.sqlite]
        ddl = []
        for name, t in self.postgresql.items():
            ddl += [f'DROP TRIGGER IF EXISTS {name} ON "{t.table}"', f"DROP FUNCTION IF EXISTS {name}()"]
        return ddl

    def upgrade(self, execute: Callable[[str], Any], dialect: str) -> None:
        """Fill the values for the rows already there, then have the triggers keep them (a migration's
        upgrade, once its columns are added; ``execute`` runs one statement: ``op.execute``...)."""
        for statement in (self.fill, *self.create_ddl(dialect)):
            execute(statement)

    def downgrade(self, execute: Callable[[str], Any], dialect: str) -> None:
        for statement in self.drop_ddl(dialect):
            execute(statement)


def insert_missing(into: str, select: str, sqlite: bool) -> str:
    """A trigger's ``INSERT INTO into select`` that leaves a row already there as it is (its key taken):
    SQLite's ``OR IGNORE``, PostgreSQL's ``ON CONFLICT DO NOTHING``."""
    if sqlite:
        return f"INSERT OR IGNORE INTO {into} {select};"
    return f"INSERT INTO {into} {select} ON CONFLICT DO NOTHING;"


def install(metadata: sa.MetaData, *sets: TriggerSet) -> None:
    """Have ``create_all`` write the sets' triggers once it has made the tables; once per metadata,
    however many apps are made with it (one per test)."""
    installed = metadata.info.setdefault("db_triggers", set())
    for triggers in sets:
        if triggers in installed:
            continue
        installed.add(triggers)
        sa.event.listen(metadata, "after_create", _creator(triggers))


@contextmanager
def suspended(connection: sa.Connection, metadata: sa.MetaData) -> Iterator[None]:
    """Every installed set's triggers dropped for a bulk load on ``connection`` (in its transaction), then the
    values filled once and the triggers written again, as a migration does.

    Kept row by row through a load of many statements in one transaction, PostgreSQL writes a new version
    of each kept row per statement that no one can clean up before the commit, and each update reads the
    chain of them: ``seed scale`` of 1,000,000 managers had done a tenth after an hour (the vendor's one
    counted row 12 MB of versions). Filled once at the end, the load costs what it did without triggers."""
    dialect = connection.dialect.name
    sets = list(metadata.info.get("db_triggers", ()))
    for triggers in sets:
        triggers.downgrade(connection.exec_driver_sql, dialect)
    yield
    if dialect == "postgresql":
        # Tables loaded in this transaction have no statistics yet: without them the planner joined every
        # license to every manager's links to count them (the fill ran for minutes at 1,000,000 managers).
        connection.exec_driver_sql("ANALYZE")
    for triggers in sets:
        triggers.upgrade(connection.exec_driver_sql, dialect)
        for statement in triggers.sqlite_reindex if dialect == "sqlite" else ():
            connection.exec_driver_sql(statement)


def _creator(triggers: TriggerSet) -> Callable[..., None]:
    def _create(target, connection, **kw) -> None:
        for statement in triggers.create_ddl(connection.dialect.name):
            connection.exec_driver_sql(statement)

    return _create
