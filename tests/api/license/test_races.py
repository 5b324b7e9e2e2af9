"""Twenty machines racing for the last activation or floating seat: exactly the allowed number win."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from portal.extensions import db
from portal.licensing_client import LicensingError
from portal.models import Device, License
from portal.tenancy import all_tenants

RACERS = 20


def race(clients, method: str) -> list[str]:
    """Call ``method`` on every client at once; return "ok" or the error code of each."""
    barrier = threading.Barrier(len(clients))

    def run(client) -> str:
        barrier.wait()
        try:
            getattr(client, method)()
        except LicensingError as exc:
            return exc.code
        return "ok"

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(run, clients))


def counts(app, license_id):
    with app.app_context(), all_tenants(db.session):
        lic = db.session.get(License, license_id)
        active = db.session.query(Device).filter_by(license_id=license_id, is_active=True).count()
        seats = db.session.query(Device).filter_by(license_id=license_id, floating_in_use=True).count()
        return lic.times_activated, active, lic.floating_in_use, seats


def test_twenty_machines_race_for_the_last_two_activations(app, make, device):
    w = make.world()
    lic = make.license(w["order"], w["key_policy"], max_activations=3)
    device(lic, "first").activate()
    results = race([device(lic, f"racer-{n}") for n in range(RACERS)], "activate")
    assert results.count("ok") == 2
    assert results.count("activation_limit") == RACERS - 2
    assert counts(app, lic.id)[:2] == (3, 3)


def test_twenty_machines_race_for_the_last_floating_seat(app, make, device):
    w = make.world()
    product = make.product(w["vendor"], floating=True)
    policy = make.policy(product, is_floating=True, floating_seats=3, max_activations=None)
    lic = make.license(w["order"], policy)
    holders = [device(lic, f"holder-{n}") for n in range(2)]
    racers = [device(lic, f"racer-{n}") for n in range(RACERS)]
    for client in holders + racers:
        client.activate()
    for client in holders:
        client.acquire()
    results = race(racers, "acquire")
    assert results.count("ok") == 1
    assert results.count("no_floating_seat") == RACERS - 1
    assert counts(app, lic.id)[2:] == (3, 3)
