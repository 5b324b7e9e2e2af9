"""Webhook delivery: signed POSTs to a receiver on loopback, rejected when tampered, retried with backoff."""

from __future__ import annotations

import datetime as dt
import json
import time

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import webhooks
from portal.audit import Actor
from portal.extensions import db
from portal.models import Device, utcnow
from portal.services.devices import actions as devices
from portal.tenancy import set_tenant
from tests.vendor.webhooks.support import deliveries, receiver, register


def _reset(app, device) -> None:
    """Reset the device as a manager would (the service the portal's button calls)."""
    with app.app_context():
        set_tenant(db.session, device.vendor_account_id)
        loaded = db.session.scalar(
            sa.select(Device).where(Device.id == device.id).options(so.joinedload(Device.license))
        )
        assert devices.reset(loaded, actor=Actor.system())
        db.session.commit()


def _sweep(app, now: dt.datetime) -> int:
    with app.app_context():
        claimed = webhooks.enqueue_due(now)
        db.session.commit()  # the claimed deliveries' jobs run after the commit
        return claimed


def test_an_event_reaches_the_receiver_signed(app, make):
    world = make.world()
    device = make.device(make.license(world["order"], world["key_policy"]))
    with receiver() as hook:
        _, hook.secret = register(app, world["vendor"], hook.url)
        _reset(app, device)
    [got] = hook.requests
    assert got.verified
    assert got.headers["Portal-Event"] == "device.reset"
    document = json.loads(got.body)
    assert document["event"] == "device.reset" and document["data"]["id"] == device.id
    [delivery] = deliveries(app)
    assert got.headers["Portal-Delivery"] == str(delivery.id)
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.response_body) == (
        "delivered", 1, 200, "thanks",
    )  # fmt: skip
    assert delivery.duration_ms is not None and delivery.next_attempt_at is None


def test_an_event_nobody_subscribed_to_writes_no_delivery(app, make):
    world = make.world()
    device = make.device(make.license(world["order"], world["key_policy"]))
    register(app, world["vendor"], "http://127.0.0.1:9/never", events=["order.created"])
    _reset(app, device)
    assert deliveries(app) == []


def test_the_receiver_rejects_a_wrong_secret_and_the_delivery_waits_to_retry(app, make):
    world = make.world()
    device = make.device(make.license(world["order"], world["key_policy"]))
    with receiver(secret="not the endpoint's secret") as hook:
        register(app, world["vendor"], hook.url)
        before = utcnow()
        _reset(app, device)
    [got] = hook.requests
    assert not got.verified
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, 401)
    waited = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=55) <= waited <= dt.timedelta(seconds=70)


def test_a_tampered_body_or_an_old_timestamp_does_not_verify():
    body, secret, now = b'{"event":"order.created"}', "whsec_test", int(time.time())
    header = webhooks.sign(secret, body, now)
    assert webhooks.verify(secret, body, header)
    assert not webhooks.verify(secret, body.replace(b"order", b"0rder"), header)
    assert not webhooks.verify("whsec_other", body, header)
    assert not webhooks.verify(secret, body, webhooks.sign(secret, body, now - 301))  # a replay
    assert not webhooks.verify(secret, body, "t=abc,v1=00")
    assert not webhooks.verify(secret, body, "")


def test_a_failing_receiver_is_retried_by_the_backoff_until_it_answers(app, make):
    world = make.world()
    device = make.device(make.license(world["order"], world["key_policy"]))
    with receiver(fail_first=2) as hook:
        _, hook.secret = register(app, world["vendor"], hook.url)
        _reset(app, device)
        [first] = deliveries(app)
        assert (first.status, first.attempts, first.response_code) == ("failed", 1, 500)
        assert _sweep(app, utcnow()) == 0  # not due yet
        assert _sweep(app, utcnow() + dt.timedelta(minutes=2)) == 1
        [second] = deliveries(app)
        assert (second.status, second.attempts) == ("failed", 2)
        assert abs(second.next_attempt_at - (utcnow() + dt.timedelta(minutes=5))) < dt.timedelta(seconds=15)
        assert _sweep(app, utcnow() + dt.timedelta(minutes=6)) == 1
    [third] = deliveries(app)
    assert (third.status, third.attempts, third.response_code) == ("delivered", 3, 200)
    assert len(hook.requests) == 3 and len({r.headers["Portal-Delivery"] for r in hook.requests}) == 1
    assert all(r.verified for r in hook.requests)


def test_the_backoff_schedule_ends_in_a_dead_delivery(app, make):
    world = make.world()
    device = make.device(make.license(world["order"], world["key_policy"]))
    with receiver(fail_first=100) as hook:
        _, hook.secret = register(app, world["vendor"], hook.url)
        _reset(app, device)
        waits = []
        for _ in range(len(webhooks.BACKOFF)):
            [delivery] = deliveries(app)
            waits.append(round((delivery.next_attempt_at - utcnow()).total_seconds() / 60))
            assert _sweep(app, delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1
    assert waits == [1, 5, 30, 120, 480]
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 6, None)
    assert _sweep(app, utcnow() + dt.timedelta(days=2)) == 0
    assert len(hook.requests) == 6


def test_a_lost_enqueue_is_picked_up_by_the_sweep(app, make):
    world = make.world()
    with receiver() as hook:
        _, hook.secret = register(app, world["vendor"], hook.url, events=["order.created"])
        with app.app_context():
            set_tenant(db.session, world["vendor"].id)
            webhooks.emit("order.created", {"id": 1}, vendor_account_id=world["vendor"].id)
            db.session.info.pop("pending_jobs")  # as if the queue had been down at the commit
            db.session.commit()
        assert _sweep(app, utcnow() + dt.timedelta(minutes=1)) == 0  # its own job may still be on its way
        assert _sweep(app, utcnow() + dt.timedelta(minutes=11)) == 1
    assert [d.status for d in deliveries(app)] == ["delivered"] and len(hook.requests) == 1


def test_activating_and_deactivating_through_the_license_api_services_emit_events(app, make):
    from portal.models import License
    from portal.services.activations import actions as activations

    world = make.world()
    license_ = make.license(world["order"], world["key_policy"])
    events = ["license.activated", "license.deactivated", "device.reset"]
    with receiver() as hook:
        _, hook.secret = register(app, world["vendor"], hook.url, events=events)
        for act in (activations.activate, activations.deactivate):
            with app.app_context():
                set_tenant(db.session, world["vendor"].id)
                loaded = db.session.get(License, license_.id)
                act(loaded, activations.Machine(hardware_id="hw-1", hostname="build-01"), actor=Actor.system())
                db.session.commit()
    got = [r.headers["Portal-Event"] for r in hook.requests]
    assert got == ["license.activated", "device.reset", "license.deactivated"]
    assert all(r.verified for r in hook.requests)
    activated = json.loads(hook.requests[0].body)["data"]
    assert activated["license"]["id"] == license_.id and activated["device"]["hostname"] == "build-01"
