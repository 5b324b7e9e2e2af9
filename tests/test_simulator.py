"""The device simulator, run briefly against a live server: devices, check-ins and seats move."""

from __future__ import annotations

import sqlalchemy as sa

from portal import simulator
from portal.extensions import db
from portal.models import Device, License
from portal.tenancy import all_tenants
from tests.api.conftest import server  # noqa: F401 (the live-server fixture)


def _state(app):
    with app.app_context(), all_tenants(db.session):
        devices = db.session.scalars(sa.select(Device).where(Device.hardware_id.like("sim-%"))).all()
        seats = db.session.scalar(sa.select(sa.func.sum(License.floating_in_use)).where(License.is_floating)) or 0
        return devices, seats


def test_the_simulator_activates_checks_in_and_floats_seats(app, make, server):  # noqa: F811
    w = make.world()
    make.license(w["order"], w["key_policy"], max_activations=10)
    floating = make.product(w["vendor"], "key", floating=True)
    make.license(w["order"], make.policy(floating, is_floating=True, floating_seats=3, max_activations=10))
    with app.app_context():
        counts = simulator.run(server, devices=6, seconds=3, interval=0.1, seed=1)
    devices, seats = _state(app)
    assert counts["activate"] == 6 and counts["check_in"] >= 6, counts
    assert len(devices) == 6 and all(d.is_active for d in devices)
    assert all(d.last_check_in_at is not None for d in devices)
    assert counts["acquire"] >= 1, counts
    assert seats == counts["acquire"] - counts["release"] and seats <= 3


def test_simulate_command_refuses_an_empty_database(app):
    result = app.test_cli_runner().invoke(args=["simulate", "--devices", "2", "--seconds", "0.5"])
    assert result.exit_code != 0 and "load the demo data first" in result.output
