"""Indexed substring search: the LIKE the search boxes always meant, served by an index.

Every search box that can grow (License Managers, the portal's licenses and license users, the
audit log) matches a term as a case-insensitive substring with ``%`` and ``_`` taken literally
(``lists.contains``). A plain ``LIKE '%term%'`` reads every row of the table, so each searched
table has a trigram index, created by migration ``0007_search_indexes``:

- SQLite: an FTS5 table ``<table>_search`` with the ``trigram`` tokenizer over the searched
  columns, external content (the index holds no copy of the text), kept in step by triggers on
  insert, update and delete of the table.
- PostgreSQL: a ``pg_trgm`` GIN index ``ix_<table>_search`` over the same columns, which serves
  ``ILIKE '%term%'`` as it is.

One more over each manager's search text (their name, email and customer account in one,
``portal.manager_search_text``; migration ``0023_manager_search_index``), so that a word's candidates
are managers themselves instead of users and accounts to be joined to their managers. On SQLite its
FTS5 table is kept by the triggers that write the text, in the same statements.

The index finds candidates; the LIKE itself is still applied to them, so the results are exactly
today's (FTS5 folds case beyond ASCII, SQLite's LIKE does not). A term of one or two characters
has no trigram: it is not searched at all (``MIN_CHARS``), and the box says to type a third one.
Such a term matches most rows of any real list, so a scan would cost the most for the least use,
and a prefix match instead would quietly give short words another meaning than long ones.

The DDL below is the one the migration writes; ``create_all`` (tests, a fresh demo database)
runs it too, through the metadata's ``after_create`` event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.lists import contains

MIN_CHARS = 3
HINT = f"Type at least {MIN_CHARS} characters to search."


@dataclass(frozen=True)
class SearchIndex:
    """A table's searched columns, and the names of its index on each database."""

    table: str
    columns: tuple[str, ...]
    # SQLite: kept in step by the triggers that write its column (``portal.manager_search_text``), not its own
    kept_by_triggers: bool = False

    @property
    def fts_table(self) -> str:
        return f"{self.table}_search"

    @property
    def pg_index(self) -> str:
        return f"ix_{self.table}_search"

    def sqlite_insert(self, rows: str) -> str:
        """The FTS5 entries of ``rows`` (``VALUES (...)`` or a ``SELECT``: rowid, then the columns) added."""
        return f"INSERT INTO {self.fts_table}(rowid, {', '.join(self.columns)}) {rows};"

    def sqlite_delete(self, rows: str) -> str:
        """The FTS5 entries of ``rows`` ('delete', rowid, then the columns as they were indexed) removed."""
        fts = self.fts_table
        return f"INSERT INTO {fts}({fts}, rowid, {', '.join(self.columns)}) {rows};"

    def sqlite_rebuild(self) -> str:
        """The FTS5 table made afresh from the table's rows."""
        return f"INSERT INTO {self.fts_table}({self.fts_table}) VALUES ('rebuild')"

    def sqlite_ddl(self) -> list[str]:
        """The FTS5 table, its triggers, and the statement that fills it from the table's rows."""
        fts, table = self.fts_table, f'"{self.table}"'
        cols = ", ".join(self.columns)
        delete = self.sqlite_delete(f"VALUES ('delete', old.id, {', '.join(f'old.{c}' for c in self.columns)})")
        insert = self.sqlite_insert(f"VALUES (new.id, {', '.join(f'new.{c}' for c in self.columns)})")
        create = (
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={table}, content_rowid='id', tokenize='trigram')"
        )
        if self.kept_by_triggers:
            return [create, self.sqlite_rebuild()]
        return [
            create,
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
            # Only a change of a searched column touches the index: sign-ins and counters do not.
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN {delete} {insert} END",
            self.sqlite_rebuild(),
        ]

    def sqlite_drop(self) -> list[str]:
        return [f"DROP TRIGGER IF EXISTS {self.fts_table}_{s}" for s in ("ai", "ad", "au")] + [
            f"DROP TABLE IF EXISTS {self.fts_table}"
        ]

    def postgresql_ddl(self) -> list[str]:
        ops = ", ".join(f"{c} gin_trgm_ops" for c in self.columns)
        return [f'CREATE INDEX IF NOT EXISTS {self.pg_index} ON "{self.table}" USING gin ({ops})']

    def postgresql_drop(self) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.pg_index}"]

    def fts(self) -> sa.TableClause:
        """The FTS5 table as SQL sees it: its rowid and the hidden column named as the table."""
        return sa.table(self.fts_table, sa.column("rowid", sa.Integer), sa.column(self.fts_table))


INDEXES = {
    index.table: index
    for index in (
        SearchIndex("license_user", ("first_name", "last_name", "email")),
        SearchIndex("customer_account", ("name",)),
        SearchIndex("license", ("license_key", "note")),
        SearchIndex("order", ("reference",)),
        SearchIndex("audit_event", ("actor_label", "object_label")),
        # The overview's search text, each manager's name, email and account in one (``portal.manager_search_text``).
        SearchIndex("license_manager", ("search_text",), kept_by_triggers=True),
    )
}
# What alembic's autogenerate must leave alone: the FTS5 tables with their shadow tables, the GIN indexes.
FTS_TABLES = frozenset(index.fts_table for index in INDEXES.values())
PG_INDEXES = frozenset(index.pg_index for index in INDEXES.values())
FTS_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def is_search_table(name: str) -> bool:
    return any(name == t or name in {t + s for s in FTS_SHADOWS} for t in FTS_TABLES)


def create_ddl(dialect: str) -> list[str]:
    """Every statement that creates the search indexes on this database (``sqlite``, ``postgresql``)."""
    if dialect == "postgresql":
        return ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [s for i in INDEXES.values() for s in i.postgresql_ddl()]
    return [s for i in INDEXES.values() for s in i.sqlite_ddl()]


def drop_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [s for i in INDEXES.values() for s in i.postgresql_drop()]
    return [s for i in INDEXES.values() for s in i.sqlite_drop()]


def _create(target, connection, **kw) -> None:
    for statement in create_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _drop(target, connection, **kw) -> None:
    for statement in drop_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def install(metadata: sa.MetaData) -> None:
    """Create the search indexes whenever ``create_all`` creates the tables (tests, new databases)."""
    if not sa.event.contains(metadata, "after_create", _create):
        sa.event.listen(metadata, "after_create", _create)
        sa.event.listen(metadata, "before_drop", _drop)


def searchable(term: str) -> bool:
    """Whether a term is long enough to be searched through the trigram index."""
    return len(term) >= MIN_CHARS


def terms(text: str, limit: int = 5) -> list[str]:
    """The words of a search that are searched (long enough), at most ``limit`` of them."""
    return [t for t in text.split() if searchable(t)][:limit]


def short_terms(text: str) -> list[str]:
    """The words too short to be searched: the box says so."""
    return [t for t in text.split() if not searchable(t)]


def _fts_phrase(term: str, columns: Sequence[str] | None) -> str:
    # One FTS5 phrase: the term's trigrams in a row, i.e. the term as a substring; an email's by its part
    # before the @ (``index_part``: the domain's trigrams are in nearly every row, and FTS5 reads each one's
    # rows too; one exact email among 1,000,000 managers, 13 -> 3.9 ms). The LIKE checks the whole term.
    phrase = '"' + index_part(term).replace('"', '""') + '"'
    return f"{{{' '.join(columns)}}} : {phrase}" if columns else phrase


def dialect() -> str:
    """The session's database: ``sqlite`` or ``postgresql``."""
    return str(db.session.get_bind().dialect.name)


def fts_match(
    model: Any, *terms: str, columns: Sequence[str] | None = None
) -> tuple[sa.TableClause, sa.ColumnElement[bool]]:
    """``model``'s FTS5 table and the MATCH of every term over ``columns`` (all indexed ones by default),
    SQLite: its rows are a superset of the LIKEs' (FTS5 folds case beyond ASCII), read from the index
    alone; with several terms the index intersects their rows itself. Joined as a table (not a
    subquery), SQLite reads it first and stops where an outer LIMIT does."""
    index = INDEXES[model.__table__.name]
    fts = index.fts()
    phrases = " ".join(_fts_phrase(term, columns) for term in terms)
    return fts, fts.c[index.fts_table].op("MATCH")(phrases)


def candidates(model: Any, term: str, columns: Sequence[str] | None = None) -> sa.Select[Any]:
    """The rowids of ``fts_match``: a set to test ids against."""
    fts, match = fts_match(model, term, columns=columns)
    return sa.select(fts.c.rowid).where(match)


def recheck(model: Any, term: str, columns: Iterable[Any] | None = None) -> sa.ColumnElement[bool]:
    """The LIKE itself over ``columns`` (all indexed ones by default): what makes a candidate a match."""
    return sa.or_(*(contains(column, term) for column in _searched(model, columns)))


def _searched(model: Any, columns: Iterable[Any] | None) -> Iterable[Any]:
    return columns if columns is not None else (getattr(model, c) for c in INDEXES[model.__table__.name].columns)


def index_part(term: str) -> str:
    """What a trigram index is asked for: an email's part before the @, when long enough.

    Everyone at a customer shares the domain, so its trigrams name most rows and the index (GIN, FTS5)
    reads every one of them: one exact email among 1,000,000 users took 140 ms through the whole term on
    PostgreSQL, 8 ms through its part before the @, the whole term then checked on the rows that part found.
    """
    local = term.split("@", 1)[0]
    return local if local != term and searchable(local) else term


def matches(model: Any, term: str, columns: Iterable[Any] | None = None) -> sa.ColumnElement[bool]:
    """``model`` rows where ``term`` is a substring of one of ``columns`` (all indexed ones by default).

    On SQLite the FTS5 table picks the candidate rowids and the LIKE checks them; on PostgreSQL
    the ILIKE is served by the GIN index as it is (an email by its ``index_part``). The term should
    be ``searchable``: a shorter one has no trigram, and the FTS5 table answers it with no rows.
    """
    chosen = list(columns) if columns is not None else None
    like = recheck(model, term, chosen)
    if dialect() != "sqlite":
        part = index_part(term)
        if part == term:
            return like
        # ``|| ''`` keeps the whole term out of the index condition, which would read its trigrams too.
        whole = [column.concat("") for column in _searched(model, chosen)]
        return sa.and_(recheck(model, part, chosen), recheck(model, term, whole))
    names = None if chosen is None else [c.key for c in chosen]
    return sa.and_(model.id.in_(candidates(model, term, names)), like)
