"""Sign-in limits: per email (failed attempts) and per address (all attempts), answering 429."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
import redis
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import BASE_CONFIG, PortalClient
from tests.factories import PASSWORD, Factory


def limited_app(database_url, **config):
    app = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_EMAIL_LIMIT": "3 per 15 minutes",
            "LOGIN_IP_LIMIT": "6 per minute",
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
            **config,
        }
    )
    app.test_client_class = PortalClient
    return app


@pytest.fixture
def limited(app, database_url):
    """An app with rate limits on, sharing the test's database (emptied by the app fixture)."""
    limited = limited_app(database_url)
    make = Factory(limited)
    vendor = make.vendor()
    make.manager(vendor, email="lm@customer.test")
    make.manager(vendor, email="other@customer.test")
    yield limited
    with limited.app_context():
        db.engine.dispose()


def attempt(client, email, password="wrong password"):
    return client.post("/portal/login", data={"email": email, "password": password})


def test_failed_sign_ins_per_email_are_limited(limited):
    client = limited.test_client()
    for _ in range(3):
        assert attempt(client, "lm@customer.test").status_code == 401
    blocked = attempt(client, "lm@customer.test", PASSWORD)
    assert blocked.status_code == 429
    assert "Too many" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    # Another email from the same address is not blocked by this one's failures.
    assert attempt(client, "other@customer.test", PASSWORD).status_code == 303


def test_successful_sign_ins_do_not_count_against_the_email(limited):
    for _ in range(4):
        client = limited.test_client()
        assert attempt(client, "lm@customer.test", PASSWORD).status_code == 303


def test_attempts_per_address_are_limited(limited):
    client = limited.test_client()
    emails = [f"nobody{i}@customer.test" for i in range(6)]
    for email in emails:
        assert attempt(client, email).status_code == 401
    assert attempt(client, "lm@customer.test", PASSWORD).status_code == 429


def test_limits_can_be_switched_off(app, database_url):
    relaxed = limited_app(database_url, RATELIMIT_ENABLED=False)
    Factory(relaxed).manager(Factory(relaxed).vendor(), email="lm@customer.test")
    client = relaxed.test_client()
    for _ in range(8):
        assert attempt(client, "lm@customer.test").status_code == 401


def _redis_available() -> bool:
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_limits_are_shared_through_redis_between_workers(app, database_url):
    prefix = uuid.uuid4().hex
    config = dict(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379", RATELIMIT_KEY_PREFIX=prefix)
    worker_a = limited_app(database_url, **config)
    worker_b = limited_app(database_url, **config)
    Factory(worker_a).manager(Factory(worker_a).vendor(), email="lm@customer.test")
    for _ in range(3):
        assert attempt(worker_a.test_client(), "lm@customer.test").status_code == 401
    # The second "worker" sees the first one's count.
    assert attempt(worker_b.test_client(), "lm@customer.test", PASSWORD).status_code == 429
    for key in redis.Redis(host="127.0.0.1", port=6379).scan_iter(f"*{prefix}*"):
        redis.Redis(host="127.0.0.1", port=6379).delete(key)


# Exactly the configured number of rejections under concurrency (issue 8, finding 6)

STORES = ["memory://"] + (["redis://127.0.0.1:6379"] if _redis_available() else [])


def _concurrent(count, send):
    """Run send(i) in `count` threads released at once; return the statuses."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        return send(i)

    with ThreadPoolExecutor(count) as pool:
        return sorted(pool.map(run, range(count)))


def _slow_hash_app(database_url, store, limit):
    # A realistic argon2 cost, so the password checks overlap as they do in production.
    return limited_app(
        database_url,
        RATELIMIT_STORAGE_URI=store,
        LOGIN_EMAIL_LIMIT=limit,
        LOGIN_IP_LIMIT="1000 per minute",
        ARGON2_TIME_COST=2,
        ARGON2_MEMORY_COST=16384,
    )


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("side, limit, allowed", [("portal", "10 per 15 minutes", 10), ("vendor", "7 per hour", 7)])
def test_simultaneous_wrong_passwords_meet_exactly_the_limit(app, database_url, store, side, limit, allowed):
    hammered = _slow_hash_app(database_url, store, limit)
    make = Factory(hammered)
    vendor = make.vendor()
    email = f"target-{uuid.uuid4().hex[:8]}@customer.test"
    make.manager(vendor, email=email) if side == "portal" else make.staff(vendor, email=email)
    clients = [hammered.test_client() for _ in range(20)]
    statuses = _concurrent(
        20, lambda i: clients[i].post(f"/{side}/login", data={"email": email, "password": f"no{i}"}).status_code
    )
    assert statuses.count(401) == allowed and statuses.count(429) == 20 - allowed, statuses
    with hammered.app_context():
        db.engine.dispose()


def test_the_limit_holds_against_a_real_threaded_server_on_sqlite(app, database_url):
    hammered = _slow_hash_app(database_url, "memory://", "10 per 15 minutes")
    hammered.config.update(WTF_CSRF_ENABLED=False, SERVER_NAME=None)
    Factory(hammered).manager(Factory(hammered).vendor(), email="lm@customer.test")
    server = make_server("127.0.0.1", 0, hammered, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/portal/login"

    def send(i):
        body = urlencode({"email": "LM@customer.test ", "password": f"wrong {i}"}).encode()
        try:
            with urlopen(Request(url, data=body, method="POST"), timeout=20) as response:
                return response.status
        except HTTPError as error:
            return error.code

    try:
        statuses = _concurrent(20, send)
    finally:
        server.shutdown()
        with hammered.app_context():
            db.engine.dispose()
    assert statuses.count(401) == 10 and statuses.count(429) == 10, statuses
