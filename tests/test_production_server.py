"""The README's production setup (gunicorn -c gunicorn.conf.py) on a loopback port, with real sockets.

Slow clients must not starve the workers (issue 8, finding 5), and raw bytes that gunicorn
passes on as they came must never answer 500 (finding 4). Skipped when gunicorn or gevent
is missing; each test is bounded well under 30 s.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import BASE_CONFIG

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(
    not (importlib.util.find_spec("gunicorn") and importlib.util.find_spec("gevent")),
    reason="gunicorn or gevent is not installed (the serve extra)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raw(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Send bytes as they are and return the answer's status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def _get(port: int, path: bytes, timeout: float = 5.0) -> bytes:
    return _raw(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout)


@pytest.fixture
def served(tmp_path):
    """gunicorn with the README's config file, two workers, a fresh SQLite database."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PORTAL_ACCESS_LOG": "/dev/null",
        "PORTAL_CLIENT_TIMEOUT": "20",
    }
    env.pop("PORTAL_ENV", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            if _get(port, b"/healthz", 1).startswith(b"HTTP/1.1 200"):
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("gunicorn did not start: " + process.communicate()[1].decode()[-2000:])
        time.sleep(0.2)
    yield port, app
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_slow_uploads_do_not_starve_the_workers(served):
    port, _ = served
    slow = []
    try:
        for _ in range(48):  # more than 2 workers x any sensible thread count
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                b"POST /portal/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail="
            )
            slow.append(sock)
        timings = []
        started = time.monotonic()
        while time.monotonic() - started < 6:
            for sock in slow:
                sock.sendall(b"a")  # a byte now and then: never idle long enough to be dropped
            begin = time.monotonic()
            status = _get(port, b"/healthz", timeout=3)
            timings.append(time.monotonic() - begin)
            assert status.startswith(b"HTTP/1.1 200"), status
            time.sleep(0.3)
        assert len(timings) >= 10 and max(timings) < 1.0, timings
    finally:
        for sock in slow:
            sock.close()


RAW_QUERIES = [b"?q=\xff", b"?next=/\xfe\xff", b"?page=%ff\xc3", b"?\xc3(=1&sort=\x80"]


def test_raw_non_utf8_bytes_in_the_query_never_answer_500(served):
    port, app = served
    requests = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?filename>", "css/app.css", rule.rule)
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            requests.add((method, path))
    assert len(requests) >= 40
    wrong = []
    for index, (method, path) in enumerate(sorted(requests)):
        query = RAW_QUERIES[index % len(RAW_QUERIES)]
        request = (
            method.encode() + b" " + path.encode() + query + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        status = _raw(port, request)
        if not re.match(rb"HTTP/1\.1 [234]\d\d", status):
            wrong.append((method, path, query, status))
    assert wrong == [], wrong
    assert _get(port, b"/portal/login?q=\xff").startswith(b"HTTP/1.1 400")
