"""Fixtures: an app with a fresh database per test, clients, factories and helpers.

The suite runs on SQLite; with PORTAL_TEST_BACKEND=postgresql (set by `make test` when
PORTAL_TEST_DATABASE_URL is given) the same tests run on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from portal import create_app
from portal.extensions import db
from tests.factories import Factory

# Shared fixtures kept in their own modules: ``smtp`` (a real SMTP server on loopback).
pytest_plugins = ["tests.smtp"]

BACKEND = os.environ.get("PORTAL_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "RATELIMIT_ENABLED": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "MAIL_SERVER": None,
    "SERVER_NAME": "portal.test",
}


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every POST, like the pages do."""

    send_csrf = True

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if self.send_csrf and method not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> str:
    """Build the schema once; each test starts from a copy (SQLite) or an emptied one (PostgreSQL)."""
    if BACKEND == "postgresql":
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": PG_URL})
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "portal.db"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return str(path)


def _empty_postgresql(app: Flask) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def database_url(_template_db, tmp_path) -> str:
    if BACKEND == "postgresql":
        return _template_db
    path = tmp_path / "portal.db"
    shutil.copy(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url) -> Iterator[Flask]:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = PortalClient
    if BACKEND == "postgresql":
        with app.app_context():
            _empty_postgresql(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def make(app) -> Factory:
    """Factory functions: make.vendor(), make.manager(vendor, ...), make.license(order, ...)."""
    return Factory(app)


@pytest.fixture
def login(client):
    """Sign a principal (StaffUser or LicenseManager) in on the client, without the form."""

    def _login(record, on=None):
        target = on or client
        kind = "staff" if type(record).__name__ == "StaffUser" else "manager"
        with target.session_transaction() as session:
            session["_user_id"] = f"{kind}:{record.id}:{record.session_version}"
            session["_fresh"] = True
        return target

    return _login


HX = {"HX-Request": "true"}


@pytest.fixture
def hx():
    """Headers of an htmx request."""
    return dict(HX)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q: ...; q.count` counts SQL statements sent to the database."""

    @contextlib.contextmanager
    def _count() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def _before(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)", statement, re.I):
                counter.statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", _before)

    return _count


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)
