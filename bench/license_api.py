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
import tempfile
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
