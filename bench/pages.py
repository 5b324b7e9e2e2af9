"""The pages at scale: the overview's cases and the big manager's pages, beside Flask-Admin.

For each size in BENCH_SIZES (``100000,1000000`` by default) on SQLite and, when BENCH_PG_SERVER
reaches a PostgreSQL server (default the local one; ``none`` skips it), on PostgreSQL: the median
of BENCH_RUNS in-process requests per case (test client, no network), Flask-Admin's answer to the
same question over the same rows, and one CSV export of every manager. Then the table, with the
ratio of the largest size to the smallest and Flask-Admin's time over ours.

Seeding a million managers takes minutes, so the seeded databases are kept and reused while their
size matches: SQLite files in ``instance/bench/``, PostgreSQL databases ``portal_bench_<size>``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import flask_admin_view, license_api
from portal import (
    account_counts,
    create_app,
    manager_counts,
    manager_licenses,
    manager_orders,
    manager_search_text,
    scope,
    search,
)
from portal.cli import analyze_database
from portal.extensions import db
from portal.models import LicenseManager, LicenseUser, StaffUser, UsageSummary, VendorAccount
from portal.seed import scale
from portal.services.reports import queries as reports
from portal.services.reports import summary
from portal.tenancy import all_tenants, set_tenant

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}
OVERVIEW = "/vendor/license-managers"

# (case, our URL, Flask-Admin's case or None); {email}, {common}, {big} are filled per database.
CASES = [
    ("first page (fragment)", OVERVIEW, ("first", "")),
    ("deep page (~5,000 rows in)", OVERVIEW + "?page=200", ("deep", "")),
    ("search, common first name", OVERVIEW + "?q={common}", ("search", "{common}")),
    ("search, one exact email", OVERVIEW + "?q={email}", ("search", "{email}")),
    ("search, no match", OVERVIEW + "?q=zqxjvw", ("search", "zqxjvw")),
    ("filter status = invited", OVERVIEW + "?status=invited", ("status", "invited")),
    ("sort by name", OVERVIEW + "?sort=name", ("name", "")),
    ("big manager: Licenses tab", OVERVIEW + "/{big}/licenses", None),
    ("big manager: Report tab", OVERVIEW + "/{big}/report", None),
]
PORTAL_CASES = [
    ("big manager: portal dashboard", "/portal/"),
    ("big manager: portal licenses", "/portal/licenses"),
    ("big manager: portal orders", "/portal/orders"),
    ("big manager: portal reports", "/portal/reports"),
    ("big manager: portal notices", "/portal/notices"),
]


@dataclass
class Run:
    """One database's figures: case → (ours ms, Flask-Admin ms or None, status)."""

    backend: str
    size: int
    figures: dict[str, tuple[float, float | None, int]] = field(default_factory=dict)
    export_seconds: float = 0.0


def _url(backend: str, size: int) -> str:
    if backend == "sqlite":
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / f'scale-{size}.db'}"
    return f"{PG_SERVER}/portal_bench_{size}"


def _ensure_database(backend: str, size: int) -> None:
    if backend == "postgresql":
        license_api.ensure_database(_url(backend, size))


def _seeded_size() -> int:
    """How many managers Scale Co has, or 0 when the database is empty or of an older schema."""
    try:
        with all_tenants(db.session):
            vendor = db.session.scalar(sa.select(VendorAccount.id).where(VendorAccount.name == "Scale Co"))
            if vendor is None:
                return 0
            return db.session.scalar(
                sa.select(sa.func.count()).select_from(LicenseManager).where(LicenseManager.vendor_account_id == vendor)
            )
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return 0


def build(backend: str, size: int):
    _ensure_database(backend, size)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": _url(backend, size),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        found = _seeded_size()
        if found < size:
            started = time.perf_counter()
            db.session.rollback()  # the count's read locks would hold PostgreSQL's DROP TABLE for ever
            db.drop_all()
            db.create_all()
            scale.load(size)
            if backend == "postgresql":
                scale.advance_sequences()
            analyze_database()
            print(f"  seeded {size:,} managers ({backend}) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        _add_missing_schema()
        _count_big_managers(backend)
        with all_tenants(db.session):
            staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "admin@scale.test"))
            last = db.session.execute(
                sa.select(LicenseUser.email, LicenseUser.first_name)
                .join(LicenseManager, LicenseManager.license_user_id == LicenseUser.id)
                .where(LicenseManager.vendor_account_id == staff.vendor_account_id)
                .order_by(LicenseManager.id.desc())
                .limit(1)
            ).one()
            big = db.session.scalar(
                sa.select(LicenseManager)
                .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
                .where(LicenseUser.email.like("big.%"))
                .limit(1)
            )
            values = {"email": last.email, "common": last.first_name.lower(), "big": big.id if big else 0}
            sessions = {
                "staff": f"staff:{staff.id}:{staff.session_version}",
                "manager": f"manager:{big.id}:{big.session_version}" if big else None,
            }
        admin_base = flask_admin_view.mount(app, staff.vendor_account_id)
        db.session.remove()
    return app, values, sessions, admin_base


# The last column of each set a migration fills and then has triggers keep: the set (fill, then triggers).
KEPT_BY_TRIGGERS = {
    "license_count": manager_counts.TRIGGERS,
    "search_text": manager_search_text.TRIGGERS,
    "manager_count": account_counts.TRIGGERS,
}
# The tables the database writes itself: filled once when made, then kept by their triggers.
KEPT_TABLES = {"manager_order": manager_orders.TRIGGERS, "manager_license": manager_licenses.TRIGGERS}


def _add_missing_schema() -> None:
    """Tables, nullable columns and indexes added since the database was seeded: create_all would run every table's DDL
    hooks again, and the inspector misses expression indexes, so the catalogue is asked by name."""
    db.session.commit()  # the session's own transaction would lock SQLite against the DDL's connection
    catalogue = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if db.engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes"
    )
    filled_tables: set[str] = set()
    with db.engine.begin() as connection:
        indexes = set(connection.exec_driver_sql(catalogue).scalars())
        inspector = sa.inspect(connection)
        tables = set(inspector.get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in tables:  # made now, with its indexes; a kept one filled, then its triggers written
                table.create(connection)
                if table.name in KEPT_TABLES:
                    KEPT_TABLES[table.name].upgrade(connection.exec_driver_sql, connection.dialect.name)
                    filled_tables.add(table.name)
                    if connection.dialect.name == "sqlite":
                        connection.exec_driver_sql(f'ANALYZE "{table.name}"')
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                default = column.server_default
                if column.name not in present and (column.nullable or default is not None):  # added since
                    kind = column.type.compile(connection.dialect)
                    filled = f" NOT NULL DEFAULT '{default.arg}'" if default is not None else ""  # type: ignore[attr-defined]
                    connection.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {column.name} {kind}{filled}')
                    if column.name in KEPT_BY_TRIGGERS:  # filled once, then kept by the database's triggers
                        KEPT_BY_TRIGGERS[column.name].upgrade(connection.exec_driver_sql, connection.dialect.name)
                        filled_tables.add(table.name)
            for index in table.indexes:
                if index.name not in indexes:
                    index.create(connection, checkfirst=False)
                    if connection.dialect.name == "sqlite":  # as migration 0022 does: planned with statistics
                        connection.exec_driver_sql(f'ANALYZE "{table.name}"')
    _add_missing_search_indexes()
    if filled_tables and db.engine.dialect.name == "postgresql":
        # A fill rewrites every row: measured before autovacuum comes by, each walk would read the dead versions.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in sorted(filled_tables):
                connection.exec_driver_sql(f'VACUUM ANALYZE "{name}"')


def _add_missing_search_indexes() -> None:
    """The search indexes added since (PostgreSQL's GIN indexes, SQLite's FTS5 tables built from the rows
    there), and on SQLite the triggers that keep them written as they are now, as the migrations do."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            for statement in search.create_ddl("postgresql"):  # each IF NOT EXISTS
                connection.exec_driver_sql(statement)
        return
    with db.engine.begin() as connection:
        present = set(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
        written = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all())
        for index in search.INDEXES.values():
            if index.fts_table not in present:
                for statement in index.sqlite_ddl():
                    connection.exec_driver_sql(statement)
        for triggers in (*KEPT_BY_TRIGGERS.values(), *KEPT_TABLES.values()):
            if any(written.get(name) != f"CREATE TRIGGER {name} {body}" for name, body in triggers.sqlite.items()):
                triggers.downgrade(connection.exec_driver_sql, "sqlite")
                for statement in triggers.create_ddl("sqlite"):
                    connection.exec_driver_sql(statement)


def _count_big_managers(backend: str) -> None:
    """Count the kept usage figures of the large managers that have none, or none for today's default range
    (seeded before midnight), as the job runner's sweeps would: the pages are measured as it keeps them."""
    today = summary.range_key(*reports.default_range())
    with all_tenants(db.session):
        counted = {s.manager_id for s in db.session.scalars(sa.select(UsageSummary)) if s.figures.get("range") == today}
        big = db.session.scalars(
            sa.select(LicenseManager)
            .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
            .where(sa.or_(LicenseUser.email.like("big.%"), LicenseUser.email.like("mid.%")))
        ).all()
    for manager in big:
        if manager.id in counted:
            continue
        set_tenant(db.session, manager.vendor_account_id)
        if scope.is_large(manager.id):
            started = time.perf_counter()
            summary.store(manager)
            db.session.commit()
            took = time.perf_counter() - started
            print(f"  counted manager {manager.id}'s usage ({backend}) in {took:.1f} s", file=sys.stderr)
    set_tenant(db.session, None)


def median_ms(client, url: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    client.get(url, headers=headers)  # warm up caches and the connection pool
    samples, status = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(samples), status


def _client(app, identity: str | None):
    client = app.test_client()
    if identity:
        with client.session_transaction() as session:
            session["_user_id"] = identity
    return client


def measure(backend: str, size: int) -> Run:
    app, values, sessions, admin_base = build(backend, size)
    run = Run(backend, size)
    staff = _client(app, sessions["staff"])
    for name, url, admin in CASES:
        ours, status = median_ms(staff, url.format(**values), FRAGMENT)
        theirs = None
        if admin is not None:
            case, value = admin
            theirs, admin_status = median_ms(staff, flask_admin_view.url(admin_base, case, value.format(**values)))
            status = status if admin_status == 200 else -admin_status
        run.figures[name] = (ours, theirs, status)
    manager = _client(app, sessions["manager"])
    for name, url in PORTAL_CASES:
        ours, status = median_ms(manager, url)
        run.figures[name] = (ours, None, status)
    started = time.perf_counter()
    response = staff.get(OVERVIEW + ".csv")
    for _ in response.response:
        pass
    run.export_seconds = time.perf_counter() - started
    return run


def backends() -> list[str]:
    if PG_SERVER.lower() == "none":
        return ["sqlite"]
    try:
        sa.create_engine(f"{PG_SERVER}/postgres").connect().close()
    except sa.exc.OperationalError:
        print(f"  PostgreSQL at {PG_SERVER} not reachable: SQLite only", file=sys.stderr)
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def print_table(runs: list[Run]) -> None:
    """Rows: cases; per backend and size, ours and Flask-Admin (ms), then the ratios."""
    columns: list[tuple[str, int]] = [(r.backend, r.size) for r in runs]
    by = {(r.backend, r.size): r for r in runs}
    head = "".join(f"{f'{b} {s:,}':>22}" for b, s in columns)
    print(f"\n{'case (median ms; Flask-Admin in brackets)':<34}{head}  {'large/small':>12}  {'F-A/ours':>9}")
    names = list(runs[0].figures)
    for name in names:
        cells, ratios, versus = [], [], []
        for key in columns:
            ours, theirs, status = by[key].figures[name]
            mark = "" if status == 200 else f" !{status}"
            cells.append(f"{ours:>9.1f}" + (f" ({theirs:>8.1f})" if theirs is not None else " " * 11) + mark)
            if theirs is not None:
                versus.append(theirs / ours)
        for backend in dict.fromkeys(b for b, _ in columns):
            sizes = sorted(s for b, s in columns if b == backend)
            if len(sizes) > 1:
                ratios.append(by[(backend, sizes[-1])].figures[name][0] / by[(backend, sizes[0])].figures[name][0])
        ratio = " / ".join(f"{r:.2f}" for r in ratios) or "-"
        worst = f"{min(versus):.1f}x" if versus else "-"
        print(f"{name:<34}" + "".join(f"{c:>22}" for c in cells) + f"  {ratio:>12}  {worst:>9}")
    exports = "".join(f"{f'{by[k].export_seconds:.1f} s':>22}" for k in columns)
    print(f"{'CSV export, every manager':<34}{exports}")
    print(
        f"\nmedians of {RUNS} in-process requests; 'large/small' is each backend's largest size over its smallest,"
        " 'F-A/ours' the smallest of Flask-Admin's time over ours in that row"
    )


def main() -> list[Run]:
    runs = [measure(backend, size) for backend in backends() for size in SIZES]
    print_table(runs)
    return runs
