"""Benchmark of the License API: in-process medians, a load generator on loopback, and races.

1. In-process, SQLite, Scale Co at BENCH_LARGE managers (100,000 by default): the median of
   an activation and of a check-in, through the API with the SDK client over a WSGI transport
   (no network), target 10 ms each.
2. gunicorn with the README's gunicorn.conf.py (gevent), 4 workers, on PostgreSQL
   (BENCH_PG_URL, default the local portal_sim_bench database): check-ins per second and
   their p95 from a load generator on loopback (processes of threads, each with its own
   keep-alive connection), bounded by BENCH_LOAD_SECONDS; target 500/s with p95 under 50 ms.
3. 20 devices racing for the last floating seat, and for the last activation: how many won
   (exactly one should), and what the others were told.

Run with `make bench` (after the page table) or alone: `python bench/license_api.py`.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.seed import scale  # noqa: E402

RUNS = int(os.environ.get("BENCH_API_RUNS", "200"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_sim_bench")
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
LOAD_PROCESSES = int(os.environ.get("BENCH_LOAD_PROCESSES", "4"))
LOAD_THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "8"))
LOAD_MANAGERS = int(os.environ.get("BENCH_LOAD_MANAGERS", "2000"))
RACERS = 20


# Serving


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_postgresql(url: str, managers: int) -> None:
    """An emptied database with the schema and Scale Co at ``managers`` managers."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        scale.load(managers)
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        db.engine.dispose()


class Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app on a free loopback port, as the README runs it."""

    def __init__(self, url: str, workers: int = 4):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": "false",
            "PORTAL_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "PORTAL_ACCESS_LOG": "/dev/null",
        }
        env.pop("PORTAL_ENV", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def __enter__(self) -> Gunicorn:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start: " + self.process.communicate()[1].decode()[-2000:])

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# What the software knows: the vendor's public id, its public key, product codes and license keys


def scale_licenses(limit: int, floating: bool, free: bool = True) -> list[tuple[str, str, str]]:
    """(account, product code, license key) of Scale Co licenses, newest first, with room to activate."""
    from portal.models import License, Product, VendorAccount
    from portal.tenancy import all_tenants

    with all_tenants(db.session):
        query = (
            sa.select(VendorAccount.public_id, Product.code, License.license_key)
            .join(License, License.vendor_account_id == VendorAccount.id)
            .join(Product, Product.id == License.product_id)
            .where(License.license_key.is_not(None), License.is_floating.is_(floating), License.status != "disabled")
            .order_by(License.id.desc())
            .limit(limit)
        )
        if free:
            query = query.where(
                sa.or_(License.max_activations.is_(None), License.times_activated < License.max_activations)
            )
        return [tuple(row) for row in db.session.execute(query).all()]  # type: ignore[misc]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


# 1. In-process


def in_process(app) -> list[tuple[str, str, float, str]]:
    """Median activation and check-in through the API, in-process (WSGI transport, no network)."""
    from portal.licensing_client import LicenseClient

    with app.app_context():
        targets = scale_licenses(RUNS + 1, floating=False)
    transport = httpx.WSGITransport(app=app)
    timings: dict[str, list[float]] = {"activate": [], "check in": []}
    with LicenseClient("http://bench.local", transport=transport) as client:
        for n, (account, product, key) in enumerate(targets):
            machine = dict(account=account, product=product, license_key=key, hardware_id=f"bench-{n}")
            started = time.perf_counter()
            client.activate(**machine, hostname=f"bench-{n}")
            middle = time.perf_counter()
            client.check_in(**machine)
            ended = time.perf_counter()
            if n:  # the first pays for warming caches
                timings["activate"].append((middle - started) * 1000)
                timings["check in"].append((ended - middle) * 1000)
    return [
        (f"{what}, in-process", f"{statistics.median(samples):.1f} ms median", 10.0, "≤ 10 ms")
        for what, samples in timings.items()
    ]


# 2. Load on loopback


def _load_worker(base_url: str, machines: list[dict], seconds: float, threads: int, out) -> None:
    from portal.licensing_client import LicenseClient, LicenseError

    latencies: list[float] = []
    errors: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(mine: list[dict]) -> None:
        local: list[float] = []
        with LicenseClient(base_url) as client:
            i = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    client.check_in(**mine[i % len(mine)])
                except LicenseError as error:
                    with lock:
                        errors[error.code] += 1
                except httpx.HTTPError as error:
                    with lock:
                        errors[type(error).__name__] += 1
                local.append((time.perf_counter() - started) * 1000)
                i += 1
        with lock:
            latencies.extend(local)

    pool = [threading.Thread(target=loop, args=(machines[t::threads] or machines,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((latencies, dict(errors)))


def load(base_url: str, machines: list[dict]) -> tuple[int, float, float, dict]:
    """Check-ins from LOAD_PROCESSES processes of LOAD_THREADS threads for LOAD_SECONDS."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    chunks = [machines[p::LOAD_PROCESSES] for p in range(LOAD_PROCESSES)]
    processes = [
        context.Process(target=_load_worker, args=(base_url, chunk, LOAD_SECONDS, LOAD_THREADS, out))
        for chunk in chunks
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    results = [out.get(timeout=LOAD_SECONDS + 60) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies = [x for samples, _ in results for x in samples]
    errors: Counter = Counter()
    for _, e in results:
        errors.update(e)
    return len(latencies), len(latencies) / min(elapsed, LOAD_SECONDS), _percentile(latencies, 0.95), dict(errors)


# 3. Races


def race(base_url: str, call: str, machine: dict) -> Counter:
    """RACERS devices send the same call at once; count who won and what the others got."""
    from portal.licensing_client import LicenseClient, LicenseError

    barrier = threading.Barrier(RACERS)
    outcome: Counter = Counter()
    lock = threading.Lock()

    def one(n: int) -> None:
        with LicenseClient(base_url) as client:
            mine = {**machine, "hardware_id": f"racer-{call}-{n}"}
            if call == "acquire_seat":
                client.activate(**mine)
            barrier.wait()
            try:
                getattr(client, call)(**mine)
                result = "won"
            except LicenseError as error:
                result = error.code
        with lock:
            outcome[result] += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome
