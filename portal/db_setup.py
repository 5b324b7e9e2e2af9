"""Engine settings per database: SQLite serving several threads, PostgreSQL pools."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

# How SQLite transactions begin in this context: reads (GET) deferred, everything else
# IMMEDIATE (the write lock taken up front).
_begin_mode: contextvars.ContextVar[str] = contextvars.ContextVar("begin_mode", default="IMMEDIATE")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def configure_engine_options(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if is_sqlite(url):
        # pysqlite's own transaction handling is switched off so that we can BEGIN IMMEDIATE.
        options.setdefault("connect_args", {}).update({"timeout": 30, "check_same_thread": False})
    else:
        options.setdefault("pool_pre_ping", True)


@contextlib.contextmanager
def deferred_begin() -> Iterator[None]:
    """Transactions begun inside the block are DEFERRED on SQLite: a long read in a job (the usage
    count) holds no write lock, so requests that write are not kept waiting behind it."""
    token = _begin_mode.set("DEFERRED")
    try:
        yield
    finally:
        _begin_mode.reset(token)


def register_sqlite_pragmas(app: Flask, db: SQLAlchemy) -> None:
    """WAL, a busy timeout, foreign keys, and write transactions that begin IMMEDIATE.

    A request that may write begins IMMEDIATE: it takes the write lock up front, so two
    requests that both read-then-write wait their turn (busy timeout) instead of one failing
    with "database is locked" when it tries to upgrade its read lock. GET requests read
    under WAL without blocking anyone.
    """
    if not is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if ":memory:" not in str(engine.url):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql(f"BEGIN {_begin_mode.get()}")

    @app.before_request
    def _reads_begin_deferred() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            _begin_mode.set("DEFERRED")
        else:
            _begin_mode.set("IMMEDIATE")


# Expression indexes that the databases reflect in their own words (PostgreSQL adds casts,
# SQLite cannot reflect them): autogenerate would always see them as changed, so it skips them.
EXPRESSION_INDEXES = frozenset({"ix_license_manager_vendor_last_login_sort"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the expression indexes and the search indexes (``portal.search``),
    which migrations write by hand."""
    from portal import search  # here, not at the top: portal.search needs the extensions this module serves

    if type_ == "table" and search.is_search_table(name):
        return False
    return not (type_ == "index" and (name in EXPRESSION_INDEXES or name in search.PG_INDEXES))
