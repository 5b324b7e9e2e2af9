"""Benchmark of the License API: in-process medians, a load generator on loopback, and races.

1. In-process, SQLite, Scale Co at the smallest of BENCH_SIZES (bench/pages.py): the median of
   an activation and of a check-in, each a POST through the whole app (test client, no
   network), target 10 ms each.
2. gunicorn with the README's gunicorn.conf.py, 4 workers, on PostgreSQL (BENCH_PG_URL,
   default the local portal_sim_bench database; PORTAL_WORKER_CLASS picks the worker class):
   check-ins per second, their median and p95 from a load generator on loopback, bounded by
   BENCH_LOAD_SECONDS (BENCH_LOAD_PROCESSES processes of BENCH_LOAD_THREADS threads, each with
   its own keep-alive connection sending prepared requests); target 500/s, p95 under 50 ms.
   Then ``/healthz`` the same way: the ceiling of the serving setup on this machine.
3. 20 devices racing for the last floating seat, and for the last activation, each through
   ``portal.licensing_client`` (answers verified): how many won (exactly one should), and
   what the others were told.

Run with `make bench` (after the page table) or alone: `python bench/license_api.py`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
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
from portal.licensing_client import LicensingClient, LicensingError  # noqa: E402
from portal.models import Device, License, Product, VendorAccount  # noqa: E402
from portal.seed import scale  # noqa: E402
from portal.tenancy import all_tenants  # noqa: E402

RUNS = int(os.environ.get("BENCH_API_RUNS", "200"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_sim_bench")
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "10"))
LOAD_PROCESSES = int(os.environ.get("BENCH_LOAD_PROCESSES", "1"))
LOAD_THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "16"))
LOAD_MANAGERS = int(os.environ.get("BENCH_LOAD_MANAGERS", "2000"))
LOAD_DEVICES = int(os.environ.get("BENCH_LOAD_DEVICES", "2000"))
RACERS = 20


# Serving


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names when the server has none of that name (a new machine)."""
    target = sa.engine.make_url(url)
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    engine.dispose()


def prepare_postgresql(url: str, managers: int) -> None:
    """An emptied database with the schema and Scale Co at ``managers`` managers."""
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        scale.load(managers)
        db.session.commit()
        with db.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            # The scale seed writes its ids itself; move each id sequence past them (else the
            # first device an activation adds collides with a seeded one).
            for table in db.metadata.sorted_tables:
                if "id" in table.c:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
            connection.exec_driver_sql("ANALYZE")
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


# What the software knows: the vendor's public id, product codes, license keys, hardware ids


def _identity(account: str, product: str, key: str, hardware_id: str) -> dict:
    return {"account": account, "product": product, "license_key": key, "hardware_id": hardware_id}


def free_licenses(limit: int) -> list[tuple[str, str, str]]:
    """(account, product, key) of key-based, not floating licenses with an activation to spare."""
    with all_tenants(db.session):
        rows = db.session.execute(
            sa.select(VendorAccount.public_id, Product.code, License.license_key)
            .join(License, License.vendor_account_id == VendorAccount.id)
            .join(Product, Product.id == License.product_id)
            .where(
                License.license_key.is_not(None),
                License.is_floating.is_(False),
                License.status != "disabled",
                License.valid_until.is_(None),
                sa.or_(License.max_activations.is_(None), License.times_activated < License.max_activations),
            )
            .order_by(License.id.desc())
            .limit(limit)
        ).all()
    return [(a, p, k) for a, p, k in rows]


def active_devices(limit: int) -> list[dict]:
    """What each of ``limit`` active seeded devices sends on a check-in."""
    with all_tenants(db.session):
        rows = db.session.execute(
            sa.select(VendorAccount.public_id, Product.code, License.license_key, Device.hardware_id)
            .join(License, License.vendor_account_id == VendorAccount.id)
            .join(Product, Product.id == License.product_id)
            .join(Device, Device.license_id == License.id)
            .where(
                License.license_key.is_not(None),
                License.status != "disabled",
                License.valid_until.is_(None),
                Device.is_active,
                Device.is_revoked.is_(False),
            )
            .order_by(Device.id.desc())
            .limit(limit)
        ).all()
    return [_identity(*row) for row in rows]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


# 1. In-process


def in_process(app) -> list[tuple[str, str, str]]:
    """Median activation and check-in through the whole app, in-process, on the given database."""
    with app.app_context():
        targets = free_licenses(RUNS + 1)
    client = app.test_client()
    timings: dict[str, list[float]] = {"activate": [], "check-in": []}
    statuses: Counter = Counter()
    for n, (account, product, key) in enumerate(targets):
        body = {**_identity(account, product, key, f"bench-{n}"), "hostname": f"bench-{n}", "nonce": f"n{n}"}
        for action in ("activate", "check-in"):
            started = time.perf_counter()
            response = client.post(f"/api/v1/license/{action}", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            statuses[f"{action} {response.status_code}"] += 1
            if n:  # the first pays for warming caches
                timings[action].append(elapsed)
    answered = ", ".join(f"{n} × {what}" for what, n in sorted(statuses.items()))
    print(f"  in-process answers: {answered}", file=sys.stderr)
    return [
        (f"{action}, in-process, SQLite", f"{statistics.median(samples):.2f} ms median", "≤ 10 ms")
        for action, samples in timings.items()
    ]


# 2. Load on loopback


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends prepared bytes and reads the answer's status.

    The load generator shares the machine with the server, so it must cost little: a prepared
    request and a status line and Content-Length read per call (httpx costs several times more
    CPU per request than the server's own Flask view does, and took it from the workers).
    """

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self._open()

    def _open(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        self.sock.sendall(request)
        buffer = self.buffer
        while (end := buffer.find(b"\r\n\r\n")) < 0:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            buffer += chunk
        head = buffer[:end].lower()
        length = 0
        if (at := head.find(b"content-length:")) >= 0:
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15 : stop if stop > 0 else None])
        body_end = end + 4 + length
        while len(buffer) < body_end:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            buffer += chunk
        self.buffer = buffer[body_end:]
        if b"connection: close" in head:
            self.close()
            self._open()
        return int(head[9:12])

    def close(self) -> None:
        self.sock.close()


def prepared(base_url: str, path: str, body: dict | None, headers: str = "") -> bytes:
    """A raw HTTP/1.1 request; ``headers`` are extra header lines, each ending in CRLF."""
    host = base_url.split("//", 1)[1]
    if body is None:
        return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n".encode()
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


def _load_worker(base_url: str, requests: list[bytes], seconds: float, threads: int, out) -> None:
    host, port = base_url.split("//", 1)[1].rsplit(":", 1)
    latencies: list[float] = []
    answers: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def loop(mine: list[bytes]) -> None:
        local: list[float] = []
        seen: Counter = Counter()
        connection = _Connection(host, int(port))
        connection.exchange(prepared(base_url, "/healthz", None))  # connected before the clock starts
        barrier.wait()
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status: int | str = connection.exchange(mine[i % len(mine)])
            except OSError as error:
                status = type(error).__name__
                connection.close()
                connection = _Connection(host, int(port))
            local.append((time.perf_counter() - started) * 1000)
            seen[status] += 1
            i += 1
        connection.close()
        with lock:
            latencies.extend(local)
            answers.update(seen)

    pool = [threading.Thread(target=loop, args=(requests[t::threads] or requests,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    out.put((latencies, dict(answers)))


def load(base_url: str, machines: list[dict] | None) -> tuple[float, float, float, dict]:
    """Check-ins (or ``/healthz`` with no machines) from LOAD_PROCESSES x LOAD_THREADS connections."""
    if machines is None:
        requests = [prepared(base_url, "/healthz", None)]
    else:
        requests = [prepared(base_url, "/api/v1/license/check-in", machine) for machine in machines]
    return load_requests(base_url, requests)


def load_requests(base_url: str, requests: list[bytes]) -> tuple[float, float, float, dict]:
    """Requests per second, median and p95 (ms) and the answers, for prepared requests sent in turn."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    processes = [
        context.Process(
            target=_load_worker,
            args=(base_url, requests[p::LOAD_PROCESSES] or requests, LOAD_SECONDS, LOAD_THREADS, out),
        )
        for p in range(LOAD_PROCESSES)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=LOAD_SECONDS + 120) for _ in processes]
    for process in processes:
        process.join()
    latencies = [x for samples, _ in results for x in samples]
    answers: Counter = Counter()
    for _, seen in results:
        answers.update(seen)
    return len(latencies) / LOAD_SECONDS, statistics.median(latencies), _percentile(latencies, 0.95), dict(answers)


class CpuCost:
    """CPU time per request of the workers, the database's backends and the load generator.

    Requests per second on a shared 2-core machine move with whatever else runs; the CPU a
    request costs each party moves much less, so it is what a change is judged by (Linux only).
    """

    def __init__(self, server: Gunicorn, url: str) -> None:
        self.workers = _children(server.process.pid)
        self.database = _pids_matching(f"postgres: .*{url.rsplit('/', 1)[-1]}")
        self.started = (_cpu_seconds(self.workers), _cpu_seconds(self.database), _children_cpu())

    def per_request(self, requests: float) -> str:
        now = (_cpu_seconds(self.workers), _cpu_seconds(self.database), _children_cpu())
        spent = [(b - a) * 1000 / max(requests, 1) for a, b in zip(self.started, now, strict=True)]
        return " / ".join(f"{ms:.2f}" for ms in spent) + " ms"


def _children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def _pids_matching(pattern: str) -> list[str]:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()


def _cpu_seconds(pids: list[str]) -> float:
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system  # the load generator's processes, once joined


# 3. Races


def _client(base_url: str, target: tuple[str, str, str, str], hardware_id: str) -> LicensingClient:
    account, public_key, product, key = target
    return LicensingClient(
        base_url, account=account, public_key=public_key, product=product, license_key=key, hardware_id=hardware_id
    )


def race(base_url: str, call: str, target: tuple[str, str, str, str], tag: str) -> Counter:
    """RACERS machines send the same call at once (after activating, for a seat); who won, who was told what."""
    barrier = threading.Barrier(RACERS)
    outcome: Counter = Counter()
    lock = threading.Lock()

    def one(n: int) -> None:
        client = _client(base_url, target, f"racer-{tag}-{n}")
        if call == "acquire":
            client.activate()
        barrier.wait()
        try:
            getattr(client, call)()
            result = "won"
        except LicensingError as error:
            result = error.code
        with lock:
            outcome[result] += 1

    threads = [threading.Thread(target=one, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def race_targets() -> tuple[tuple[str, str, str, str], tuple[str, str, str, str]]:
    """A floating license every racer can activate on, with one free seat; a key license one activation short."""
    from portal import signing

    with all_tenants(db.session):
        vendor = db.session.scalar(sa.select(VendorAccount).where(VendorAccount.name == "Scale Co"))
        assert vendor is not None
        public_key = signing.ensure_key(vendor)

        def pick(floating: bool) -> tuple[License, str]:
            """The first such license of Scale Co, its devices removed (a fresh license)."""
            license_, code = db.session.execute(
                sa.select(License, Product.code)
                .join(Product, Product.id == License.product_id)
                .where(License.is_floating.is_(floating), License.license_key.is_not(None))
                .order_by(License.id)
                .limit(1)
            ).one()
            db.session.execute(sa.delete(Device).where(Device.license_id == license_.id))
            license_.times_activated = license_.floating_in_use = license_.transfer_count = 0
            license_.transfer_limit = None
            return license_, code

        seat_license, seat_product = pick(True)
        # Room for every racer to activate; two seats, one of them held below before the race.
        seat_license.max_activations, seat_license.floating_seats = RACERS + 2, 2
        last_license, last_product = pick(False)
        last_license.max_activations = 2
        db.session.commit()
        return (
            (vendor.public_id, public_key, seat_product, seat_license.license_key or ""),
            (vendor.public_id, public_key, last_product, last_license.license_key or ""),
        )


def served(url: str = PG_URL) -> list[tuple[str, str, str]]:
    """Load and races against gunicorn (4 gevent workers) on PostgreSQL."""
    started = time.perf_counter()
    prepare_postgresql(url, LOAD_MANAGERS)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        machines = active_devices(LOAD_DEVICES)
        seat_target, last_target = race_targets()
        db.engine.dispose()
    print(f"  PostgreSQL: {LOAD_MANAGERS:,} managers seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    rows = []
    with Gunicorn(url, workers=4) as server:
        cost = CpuCost(server, url)
        per_second, median, p95, answers = load(server.base_url, machines)
        told = ", ".join(f"{n:,} × {status}" for status, n in sorted(answers.items(), key=str))
        print(f"  load answers: {told}", file=sys.stderr)
        rows.append(("check-ins per second, 4 workers", f"{per_second:,.0f} /s", "≥ 500 /s"))
        rows.append(("check-in latency, median / p95", f"{median:.1f} / {p95:.1f} ms", "p95 < 50 ms"))
        rows.append(("check-in CPU: workers / PG / load", cost.per_request(per_second * LOAD_SECONDS), ""))
        cost = CpuCost(server, url)
        ceiling, median, p95, answers = load(server.base_url, None)
        told = ", ".join(f"{n:,} × {status}" for status, n in sorted(answers.items(), key=str))
        print(f"  /healthz answers: {told}", file=sys.stderr)
        rows.append(("/healthz per second (the ceiling)", f"{ceiling:,.0f} /s; {median:.1f} / {p95:.1f} ms", ""))
        rows.append(("/healthz CPU: workers / PG / load", cost.per_request(ceiling * LOAD_SECONDS), ""))
        _client(server.base_url, seat_target, "holder").activate()
        _client(server.base_url, seat_target, "holder").acquire()
        _client(server.base_url, last_target, "first").activate()
        for name, call, target in (
            ("20 racing for the last seat", "acquire", seat_target),
            ("20 racing for the last activation", "activate", last_target),
        ):
            outcome = race(server.base_url, call, target, call)
            others = ", ".join(f"{n} {code}" for code, n in sorted(outcome.items()) if code != "won")
            rows.append((name, f"{outcome['won']} won; {others}", "exactly 1 wins"))
    return rows


def print_table(rows: list[tuple[str, str, str]]) -> None:
    print(f"\n{'License API':<36} {'measured':>34} {'target':>16}")
    for name, value, target in rows:
        print(f"{name:<36} {value:>34} {target:>16}")
    print(
        f"\nin-process: {RUNS} activations and check-ins, each on its own license; served: "
        f"{LOAD_PROCESSES} processes x {LOAD_THREADS} threads of check-ins for {LOAD_SECONDS:g} s "
        f"on up to {LOAD_DEVICES:,} seeded devices"
    )


def main() -> None:
    from bench import pages

    # The smallest of bench/pages.py's SQLite databases (seeded once, kept in instance/bench/).
    app = pages.build("sqlite", min(pages.SIZES))[0]
    print_table(in_process(app) + served())


if __name__ == "__main__":
    main()
