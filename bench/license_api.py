"""Benchmark: License API activation and check-in at Scale Co, in-process on SQLite, as medians.

Run with `.venv/bin/python bench/license_api.py`; BENCH_LARGE (managers, default 100,000) and
BENCH_RUNS (calls per figure, default 200) change the size and repetitions. The issue asks for
each ≤ 10 ms median at 100,000 managers (300,000 licenses).
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

from portal import create_app  # noqa: E402
from portal.cli import analyze_database  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import License, Product, VendorAccount  # noqa: E402
from portal.seed import scale  # noqa: E402
from portal.tenancy import all_tenants  # noqa: E402

LARGE = int(os.environ.get("BENCH_LARGE", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "RATELIMIT_ENABLED": False,
                "SECRET_KEY": "bench",
            }
        )
        started = time.perf_counter()
        with app.app_context():
            db.create_all()
            scale.load(LARGE)
            analyze_database()
            with all_tenants(db.session):
                account = db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == "Scale Co"))
                assert account is not None
                rows = db.session.execute(
                    sa.select(License.license_key, Product.code)
                    .join(Product, Product.id == License.product_id)
                    .where(
                        License.vendor_account_id == account.id,
                        Product.authorization_method == "key",
                        License.status != "disabled",
                        License.valid_until.is_(None),
                        sa.or_(License.max_activations.is_(None), License.times_activated < License.max_activations),
                    )
                    .order_by(License.id.desc())
                    .limit(RUNS)
                ).all()
            public_id = account.public_id
        print(f"  seeded {LARGE:,} managers in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        client = app.test_client()
        figures = {"activate": [], "check-in": []}
        for n, (key, product) in enumerate(rows):
            body = {"account": public_id, "product": product, "license_key": key, "hardware_id": f"bench-{n}"}
            for action in ("activate", "check-in"):
                began = time.perf_counter()
                response = client.post(f"/api/v1/license/{action}", json=body)
                figures[action].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
    print(f"\n{'call':<12} {'calls':>6} {'median (ms)':>12} {'p95 (ms)':>10}")
    for action, samples in figures.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"{action:<12} {len(samples):>6} {statistics.median(samples):>12.2f} {p95:>10.2f}")
    print(f"\n{LARGE:,} managers, in-process (no network), SQLite; each call on its own license")


if __name__ == "__main__":
    main()
