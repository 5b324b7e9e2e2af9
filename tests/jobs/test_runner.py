"""The job runner really running: Huey on SQLite storage and on Redis, a task and a periodic sweep."""

from __future__ import annotations

import uuid

import pytest
import redis
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.mail import send_invitation
from portal.models import Device, License, LicenseManager, OutboxMail
from portal.tenancy import all_tenants, set_tenant
from tests.jobs.support import consumer, floating, wait_for


def _redis_available() -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _storage(kind, tmp_path):
    if kind == "redis":
        if not _redis_available():
            pytest.skip("no Redis on 127.0.0.1:6379")
        return "redis://127.0.0.1:6379/0"
    return f"sqlite:///{tmp_path / 'jobs.db'}"


def _outbox(app, to):
    with app.app_context():
        return db.session.scalar(sa.select(OutboxMail).where(OutboxMail.to == to))


def _invite(app, manager):
    with app.app_context():
        set_tenant(db.session, manager.vendor_account_id)
        loaded = db.session.get(LicenseManager, manager.id, options=[sa.orm.joinedload(LicenseManager.license_user)])
        send_invitation(loaded, "Acme Software")
        db.session.commit()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_mail_job_waits_in_the_queue_until_the_consumer_runs_it(app, client, make, login, tmp_path, kind):
    url, name = _storage(kind, tmp_path), f"hooks-test-{uuid.uuid4().hex[:8]}"
    vendor = make.vendor()
    manager = make.manager(vendor, email="queued@customer.test", status="invited", password=None)
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=url, JOBS_NAME=name)
    jobs.init_app(app)
    _invite(app, manager)
    assert _outbox(app, "queued@customer.test").sent_at is None  # the request did not send it
    assert jobs.queue.pending_count() == 1
    login(make.staff(vendor, role="admin"))
    page = client.get("/vendor/jobs").get_data(as_text=True)
    assert "deliver_mail" in page and "Queued" in page
    with consumer(app, url, name):
        wait_for(lambda: _outbox(app, "queued@customer.test").sent_at is not None)
    assert jobs.queue.pending_count() == 0


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_the_consumer_runs_the_periodic_floating_sweep(app, make, tmp_path, kind):
    url, name = _storage(kind, tmp_path), f"hooks-test-{uuid.uuid4().hex[:8]}"
    world = make.world()
    license_, stale, _, _ = floating(make, world)

    def released() -> bool:
        with app.app_context(), all_tenants(db.session):
            return not db.session.get(Device, stale.id).floating_in_use

    with consumer(app, url, name):
        due = jobs.queue.read_periodic(None)  # what the consumer's scheduler enqueues each minute
        assert {t.name for t in due} >= {"sweep_floating_seats", "sweep_due_webhooks"}
        for periodic_task in due:
            jobs.queue.enqueue(periodic_task)
        wait_for(released)
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(License, license_.id).floating_in_use == 2
