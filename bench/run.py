"""Benchmark: the same pages at a small and a large Scale Co, as medians and their ratio.

Every list should cost the same at 1,000 and at 100,000 managers, so the ratio column
should stay near 1. Run with `make bench`; BENCH_SMALL / BENCH_LARGE / BENCH_RUNS change
the sizes and repetitions.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


import sqlalchemy as sa  # noqa: E402

from bench import license_api  # noqa: E402
from portal import create_app  # noqa: E402
from portal.cli import analyze_database  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import LicenseManager, StaffUser  # noqa: E402
from portal.seed import scale  # noqa: E402
from portal.tenancy import all_tenants  # noqa: E402

SMALL = int(os.environ.get("BENCH_SMALL", "1000"))
LARGE = int(os.environ.get("BENCH_LARGE", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))

STAFF_PAGES = [
    ("overview, first page", "/vendor/license-managers"),
    ("overview, last sign-in, htmx", "/vendor/license-managers?sort=-last_login"),
    ("overview, search", "/vendor/license-managers?q=novak"),
    ("overview, filter status", "/vendor/license-managers?status=invited&sort=email"),
    ("overview, filter permission", "/vendor/license-managers?permission=edit_license"),
    ("overview, page 40", "/vendor/license-managers?page=40"),
    ("manager detail", "/vendor/license-managers/{manager}"),
    ("manager report", "/vendor/license-managers/{manager}/report"),
    ("audit log", "/vendor/audit"),
]
MANAGER_PAGES = [
    ("portal dashboard", "/portal/"),
    ("portal licenses", "/portal/licenses"),
    ("portal orders", "/portal/orders"),
]


def build(size: int, workdir: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / f'bench-{size}.db'}",
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        scale.load(size)
        analyze_database()
        with all_tenants(db.session):
            staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "admin@scale.test"))
            manager = db.session.scalar(
                sa.select(LicenseManager)
                .where(LicenseManager.status == "active")
                .order_by(LicenseManager.id.desc())
                .limit(1)
            )
        return app, staff, manager


def median_ms(client, url: str, headers: dict | None = None) -> tuple[float, int]:
    client.get(url, headers=headers)  # warm up caches and the connection pool
    samples = []
    status = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(samples), status


def measure(size: int, workdir: Path, api_rows: list | None = None) -> dict[str, tuple[float, int]]:
    started = time.perf_counter()
    app, staff, manager = build(size, workdir)
    print(f"  seeded {size:,} managers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = {}
    staff_client = app.test_client()
    with staff_client.session_transaction() as session:
        session["_user_id"] = f"staff:{staff.id}:{staff.session_version}"
    for name, url in STAFF_PAGES:
        headers = {"HX-Request": "true"} if "htmx" in name else None
        results[name] = median_ms(staff_client, url.format(manager=manager.id), headers)
    manager_client = app.test_client()
    with manager_client.session_transaction() as session:
        session["_user_id"] = f"manager:{manager.id}:{manager.session_version}"
    for name, url in MANAGER_PAGES:
        results[name] = median_ms(manager_client, url)
    if api_rows is not None:  # the License API's in-process figures, on the same large database
        api_rows.extend(license_api.in_process(app))
    return results


def main() -> None:
    api_rows: list = []
    with tempfile.TemporaryDirectory() as tmp:
        small = measure(SMALL, Path(tmp))
        large = measure(LARGE, Path(tmp), api_rows)
    print(f"\n{'page':<30} {'status':>6} {f'{SMALL:,} (ms)':>14} {f'{LARGE:,} (ms)':>16} {'ratio':>7}")
    for name in small:
        (a, status_a), (b, status_b) = small[name], large[name]
        status = str(status_a) if status_a == status_b else f"{status_a}/{status_b}"
        print(f"{name:<30} {status:>6} {a:>14.1f} {b:>16.1f} {b / a:>7.2f}")
    print(f"\nmedians of {RUNS} requests per page, in-process (no network), SQLite")
    license_api.print_table(api_rows + license_api.served())


if __name__ == "__main__":
    main()
