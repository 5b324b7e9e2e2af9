"""The periodic sweeps, run by the job runner with ``Actor.system()`` over every vendor account.

Each works in bounded batches so one run stays short, and moves counts by the same guarded
UPDATEs the portal's own actions use (a seat released here and by a manager at once counts once).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal.audit import Actor
from portal.extensions import db
from portal.models import Device, License, SignInToken, utcnow
from portal.services.activations.queries import stale_after
from portal.services.devices import actions as devices
from portal.tenancy import all_tenants, set_tenant

BATCH = 500


def stale_floating_seats(now: dt.datetime, limit: int = BATCH) -> list[tuple[int, int]]:
    """(vendor, device) of seats not checked in within their license's timeout and not borrowed."""
    found: list[tuple[int, int]] = []
    with all_tenants(db.session):
        timeouts = db.session.scalars(
            sa.select(License.floating_timeout_minutes)
            .where(License.is_floating, License.floating_in_use > 0)
            .distinct()
        ).all()
        for minutes in timeouts:
            rows = db.session.execute(
                sa.select(Device.vendor_account_id, Device.id)
                .join(License, License.id == Device.license_id)
                .where(
                    License.is_floating,
                    License.floating_timeout_minutes == minutes,
                    stale_after(minutes, now),
                )
                .order_by(Device.id)
                .limit(limit - len(found))
            ).all()
            found += [(vendor, device) for vendor, device in rows]
            if len(found) >= limit:
                break
    return found


def release_stale_floating_seats(now: dt.datetime | None = None) -> int:
    """Free the floating seats their devices stopped checking in for; each release is audited."""
    now = now or utcnow()
    by_vendor: dict[int, list[int]] = defaultdict(list)
    for vendor, device_id in stale_floating_seats(now):
        by_vendor[vendor].append(device_id)
    released = 0
    actor = Actor.system()
    for vendor, ids in by_vendor.items():
        set_tenant(db.session, vendor)
        for device in db.session.scalars(
            sa.select(Device).where(Device.id.in_(ids)).options(so.joinedload(Device.license))
        ):
            released += devices.release(device, actor=actor)
        db.session.flush()  # the audit events take their vendor from the tenant when flushed
    set_tenant(db.session, None)
    return released


def delete_expired_tokens(now: dt.datetime | None = None) -> int:
    """Delete invitation and password-reset links past their expiry."""
    result = db.session.execute(sa.delete(SignInToken).where(SignInToken.expires_at < (now or utcnow())))
    return int(getattr(result, "rowcount", 0) or 0)
