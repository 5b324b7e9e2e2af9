"""The periodic sweeps: stale floating seats freed (borrowed and fresh ones kept), expired links deleted."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Device, License, SignInToken, utcnow
from portal.services.jobs import sweeps
from portal.tenancy import all_tenants
from tests.jobs.support import floating


def _sweep(app) -> int:
    with app.app_context():
        released = sweeps.release_stale_floating_seats()
        db.session.commit()
        return released


def test_a_seat_not_checked_in_within_the_timeout_is_freed(app, make):
    world = make.world()
    license_, stale, borrowed, fresh = floating(make, world)
    assert _sweep(app) == 1
    with app.app_context(), all_tenants(db.session):
        held = {d.id: d.floating_in_use for d in db.session.scalars(sa.select(Device))}
        assert held == {stale.id: False, borrowed.id: True, fresh.id: True}
        assert db.session.get(License, license_.id).floating_in_use == 2
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "device.seat_released")).all()
        assert (event.actor_type, event.object_id, event.vendor_account_id) == ("system", stale.id, world["vendor"].id)
    assert _sweep(app) == 0  # once only: the count is not taken down twice
    with app.app_context(), all_tenants(db.session):
        assert db.session.get(License, license_.id).floating_in_use == 2


def test_the_license_timeout_decides_and_a_lapsed_borrow_is_freed(app, make):
    world = make.world()
    long_license, long_stale, _, _ = floating(make, world, timeout=120)  # 125 minutes old: stale too
    with app.app_context(), all_tenants(db.session):
        db.session.execute(
            sa.update(Device).where(Device.license_id == long_license.id, Device.borrowed_until.is_not(None))
            .values(borrowed_until=utcnow() - dt.timedelta(minutes=1))
        )  # fmt: skip
        db.session.commit()
    assert _sweep(app) == 2


def test_sweeps_cover_every_vendor_and_stamp_each_event_with_its_own(app, make):
    first, second = make.world(), make.world()
    floating(make, first)
    floating(make, second)
    assert _sweep(app) == 2
    with app.app_context(), all_tenants(db.session):
        vendors = db.session.scalars(
            sa.select(AuditEvent.vendor_account_id).where(AuditEvent.action == "device.seat_released")
        ).all()
    assert sorted(vendors) == sorted([first["vendor"].id, second["vendor"].id])


def test_expired_links_are_deleted(app, make):
    vendor = make.vendor()
    manager = make.manager(vendor)
    now = utcnow()
    with app.app_context():
        for n, expires in enumerate((now - dt.timedelta(minutes=1), now + dt.timedelta(hours=1))):
            db.session.add(SignInToken(token_hash=f"{n:064d}", license_user_id=manager.license_user_id,
                                       purpose="invitation", expires_at=expires))  # fmt: skip
        db.session.commit()
        assert sweeps.delete_expired_tokens() == 1
        db.session.commit()
        assert [t.expires_at > now for t in db.session.scalars(sa.select(SignInToken))] == [True]
