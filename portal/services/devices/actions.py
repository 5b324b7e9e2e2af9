"""Device actions: reset (deactivate), release a floating seat, revoke and unrevoke, borrow.

Every count moves by a conditional UPDATE guarded by the device's own flag, so a device
reset twice at once counts down once, and a seat is never taken past the license's limit.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import N_, Conflict, Invalid
from portal.extensions import db
from portal.models import Device, License, utcnow
from portal.services import affected


def _update(model, row_id: int, *criteria, **values) -> int:
    result = db.session.execute(
        sa.update(model)
        .where(model.id == row_id, *criteria)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return affected(result)


def _state(device: Device) -> dict:
    return {
        "is_active": device.is_active,
        "floating_in_use": device.floating_in_use,
        "borrowed_until": device.borrowed_until.isoformat() if device.borrowed_until else None,
        "is_revoked": device.is_revoked,
    }


def _release_seat(device: Device) -> bool:
    """Give the device's floating seat back to its license, if it holds one."""
    if not _update(
        Device, device.id, Device.floating_in_use, floating_in_use=False, floating_since=None, borrowed_until=None
    ):
        return False
    _update(License, device.license_id, License.floating_in_use > 0, floating_in_use=License.floating_in_use - 1)
    return True


def _deactivate(device: Device) -> bool:
    """Deactivate the device and count the license's activations down by one."""
    released = _release_seat(device)
    if not _update(Device, device.id, Device.is_active, is_active=False, deactivated_at=utcnow()):
        return released
    _update(License, device.license_id, License.times_activated > 0, times_activated=License.times_activated - 1)
    return True


def _refresh(device: Device) -> None:
    """Read the device and its license again after the UPDATEs, keeping the loaded relationship."""
    db.session.refresh(device, [attr.key for attr in sa.inspect(Device).column_attrs])
    db.session.refresh(device.license)


def _change(device: Device, action: str, change, actor: Actor) -> bool:
    """Apply one of the guarded changes above and record it, when it changed anything."""
    before = _state(device)
    changed = change(device)
    _refresh(device)
    if changed:
        audit.record(action, device, actor=actor, before=before, after=_state(device))
    return changed


def reset(device: Device, *, actor: Actor) -> bool:
    """Deactivate one device, freeing its activation and any floating seat it holds."""
    changed = _change(device, "device.reset", _deactivate, actor)
    if changed:
        webhooks.emit("device.reset", webhooks.device_data(device), vendor_account_id=device.vendor_account_id)
    return changed


def release(device: Device, *, actor: Actor) -> bool:
    """Free the floating seat a device holds (a machine that died with it) without deactivating."""
    return _change(device, "device.seat_released", _release_seat, actor)


def revoke(device: Device, *, actor: Actor) -> bool:
    """Block the device from activating this license again, deactivating it now."""
    before = _state(device)
    if not _update(Device, device.id, sa.not_(Device.is_revoked), is_revoked=True, revoked_at=utcnow()):
        return False
    _deactivate(device)
    _refresh(device)
    audit.record("device.revoked", device, actor=actor, before=before, after=_state(device))
    webhooks.emit("device.revoked", webhooks.device_data(device), vendor_account_id=device.vendor_account_id)
    return True


def unrevoke(device: Device, *, actor: Actor) -> bool:
    """Lift the block: the device may activate the license again."""
    if not _update(Device, device.id, Device.is_revoked, is_revoked=False, revoked_at=None):
        return False
    _refresh(device)
    audit.record("device.unrevoked", device, actor=actor, before={"is_revoked": True}, after={"is_revoked": False})
    return True


def borrow(device: Device, until: dt.datetime | None, *, actor: Actor) -> Device:
    """Let the device hold a floating seat until a date within the license's max borrow time."""
    license_ = device.license
    if until is None:
        raise Invalid.at("until", N_("Enter the date and time the seat returns."))
    if not license_.is_floating:
        raise Invalid.at("until", N_("Only a floating license can be borrowed."))
    if not license_.max_borrow_hours:
        raise Invalid.at("until", N_("This license's policy does not allow borrowing."))
    if not device.is_active or device.is_revoked:
        raise Invalid.at("until", N_("Only an active device that is not revoked can borrow a seat."))
    now = utcnow()
    latest = now + dt.timedelta(hours=license_.max_borrow_hours)
    if until <= now:
        raise Invalid.at("until", N_("Choose a date and time in the future."))
    if until > latest:
        raise Invalid.at(
            "until",
            N_(
                "At most %(hours)s hours from now: %(latest)s UTC.",
                hours=license_.max_borrow_hours,
                latest=f"{latest:%Y-%m-%d %H:%M}",
            ),
        )
    before = _state(device)
    if _update(Device, device.id, sa.not_(Device.floating_in_use), floating_in_use=True, floating_since=now):
        if not _update(
            License,
            license_.id,
            License.floating_in_use < License.floating_seats,
            floating_in_use=License.floating_in_use + 1,
        ):
            raise Conflict(
                N_(
                    "No free floating seat: all %(seats)s seats of this license are in use.",
                    seats=license_.floating_seats,
                )
            )
    _update(Device, device.id, borrowed_until=until)
    _refresh(device)
    audit.record("device.borrowed", device, actor=actor, before=before, after=_state(device))
    return device
