"""The device simulator: machines that use the demo's licenses through the License API, live.

``flask --app wsgi simulate --devices N --base-url URL`` starts N simulated machines against a
running portal. Each takes a key-based license of the database (read with ``all_tenants``, as
the CLI may), activates on it, then checks in every few seconds; a machine on a floating
license also acquires a seat, holds it for a while and releases it. Everything goes through
``portal.licensing_client``, the same SDK client the tests drive, over HTTP: the portal sees
exactly what the vendor's software would send, and its dashboards move.

A refusal (the activation limit reached, a device a manager revoked, a disabled license) is
counted and the machine tries again later, as real software does.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.extensions import db
from portal.licensing_client import LicensingClient, LicensingError
from portal.models import Device, License, Product, VendorAccount, utcnow
from portal.tenancy import all_tenants

OPERATING_SYSTEMS = ("Windows 11", "macOS 15", "Ubuntu 24.04", "Windows Server 2022", "Debian 13")


@dataclass(frozen=True)
class Target:
    """A license a simulated machine uses, with what the software knows of its vendor."""

    account: str
    public_key: str
    product: str
    license_key: str
    floating: bool


@dataclass
class Stats:
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1


def targets(limit: int) -> list[Target]:
    """Key-based licenses that can take a machine (enabled, not expired, not full), floating ones first."""
    with all_tenants(db.session):
        rows = db.session.execute(
            sa.select(VendorAccount.public_id, VendorAccount, Product.code, License.license_key, License.is_floating)
            .join(License, License.vendor_account_id == VendorAccount.id)
            .join(Product, Product.id == License.product_id)
            .where(
                License.license_key.is_not(None),
                License.status != "disabled",
                sa.or_(License.valid_until.is_(None), License.valid_until > utcnow()),
                # Room for one more machine, or a simulated one already there (a second run).
                sa.or_(
                    License.max_activations.is_(None),
                    License.times_activated < License.max_activations,
                    sa.exists().where(Device.license_id == License.id, Device.hardware_id.like("sim-%")),
                ),
            )
            .order_by(License.is_floating.desc(), License.id)
            .limit(max(limit, 1) * 4)
        ).all()
        from portal import signing

        keys = {vendor.id: signing.ensure_key(vendor) for _, vendor, *_ in rows}
        db.session.commit()
    return [
        Target(account, keys[vendor.id], product, key, floating) for account, vendor, product, key, floating in rows
    ]


class Machine:
    """One simulated installation of the vendor's software."""

    def __init__(self, base_url: str, number: int, target: Target, rng: random.Random):
        self.target = target
        self.rng = rng
        self.client = LicensingClient(
            base_url,
            account=target.account,
            public_key=target.public_key,
            product=target.product,
            license_key=target.license_key,
            hardware_id=f"sim-{number:05d}",  # the same machines again on the next run
            hostname=f"sim-{number:03d}.lab.example",
            os=rng.choice(OPERATING_SYSTEMS),
            sdk_version="simulator/1",
        )
        self.active = False
        self.holds_seat = False

    def _call(self, what: str, stats: Stats) -> bool:
        try:
            getattr(self.client, what)()
        except LicensingError as error:
            stats.add(f"{what}: {error.code}")
            return False
        except OSError as error:  # the portal is down or restarting: try again next tick
            stats.add(f"{what}: {type(error).__name__}")
            return False
        stats.add(what)
        return True

    def step(self, stats: Stats) -> None:
        """One tick of the software's life: activate if needed, check in, take or give back a seat."""
        if not self.active:
            self.active = self._call("activate", stats)
            return
        if not self._call("check_in", stats):
            self.active = self.holds_seat = False  # reset or revoked by a manager: activate again later
            return
        if self.target.floating:
            if self.holds_seat and self.rng.random() < 0.3:
                self.holds_seat = not self._call("release", stats)
            elif not self.holds_seat and self.rng.random() < 0.6:
                self.holds_seat = self._call("acquire", stats)


def run(base_url: str, devices: int, seconds: float | None, interval: float = 2.0, seed: int | None = None) -> Counter:
    """Run ``devices`` machines against the portal at ``base_url`` for ``seconds`` (None: until stopped)."""
    found = targets(devices)
    if not found:
        raise RuntimeError("No key-based license to simulate on: load the demo data first (flask seed demo).")
    rng = random.Random(seed)
    stats = Stats()
    stop = threading.Event()
    deadline = None if seconds is None else time.monotonic() + seconds
    workers = min(devices, 8)

    def work(numbers: range) -> None:
        machines = [Machine(base_url, n, found[n % len(found)], random.Random(rng.random())) for n in numbers]
        while not stop.is_set():
            for machine in machines:
                if stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    return
                machine.step(stats)
            stop.wait(interval)

    threads = [threading.Thread(target=work, args=(range(i, devices, workers),), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
                if deadline is not None and time.monotonic() >= deadline:
                    stop.set()
    except KeyboardInterrupt:
        stop.set()
    stop.set()
    for thread in threads:
        thread.join(10)
    return stats.counts
