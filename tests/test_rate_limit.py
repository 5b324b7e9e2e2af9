"""Sign-in limits: per email (failed attempts) and per address (all attempts), answering 429."""

from __future__ import annotations

import uuid

import pytest
import redis

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
