"""The device-facing license rules, written once for the License API and offline activation.

Every limit moves by one conditional UPDATE on the license row, so requests that race for the
last activation or floating seat are let through by the database exactly as many times as the
limit allows; the rest match no row and get a ``Conflict`` with a stable code, nothing written.

- activate: a hardware id the license has never seen, while another of its devices is
  deactivated, is a *transfer*: counted in ``transfer_count`` and refused past ``transfer_limit``.
  Activating a device that is already active answers its state again (idempotent).
- A floating seat whose device is not borrowed and has not checked in within the license's
  ``floating_timeout_minutes`` counts as free: the acquire that needs it reclaims it inside the
  same conditional UPDATE that takes the seat.
- A manager's reset makes the next check-in answer ``device_not_active``; a revoke makes it
  ``device_revoked``; disabling the license makes it ``license_disabled``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from portal import audit, webhooks
from portal.audit import Actor
from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.models import Device, License, utcnow
from portal.services.activations import queries
from portal.services.devices import actions as devices

MAX_USAGE = 1_000_000


@dataclass(frozen=True)
class Machine:
    """What the software tells about the machine it runs on."""

    hardware_id: str
    hostname: str = ""
    os: str = ""
    sdk_version: str = ""
    ip: str = ""


def _dml(statement: Any) -> CursorResult[Any]:
    return cast("CursorResult[Any]", db.session.execute(statement.execution_options(synchronize_session=False)))


def _update(model: Any, row_id: int, *criteria: Any, **values: Any) -> int:
    return _dml(sa.update(model).where(model.id == row_id, *criteria).values(**values)).rowcount


def _set_device(device: Device, *criteria: Any, **values: Any) -> bool:
    """A conditional UPDATE of the device with plain values, mirrored on the loaded object."""
    if not _update(Device, device.id, *criteria, **values):
        return False
    for name, value in values.items():
        so.attributes.set_committed_value(device, name, value)
    return True


def _set_license(license_: License, *criteria: Any, **values: Any) -> bool:
    """A conditional UPDATE of the license; the values it wrote come back (RETURNING) onto the object."""
    names = list(values)
    row = db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, *criteria)
        .values(**values)
        .returning(*(getattr(License, name) for name in names))
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        return False
    for name, value in zip(names, row, strict=True):
        so.attributes.set_committed_value(license_, name, value)
    return True


def _refresh(license_: License, device: Device | None = None) -> None:
    db.session.refresh(license_)
    if device is not None:
        db.session.refresh(device, [attr.key for attr in sa.inspect(Device).column_attrs])


def check_usable(license_: License) -> None:
    """Refuse a disabled or expired license."""
    if license_.status == "disabled":
        raise Conflict("This license is disabled.", code="license_disabled")
    if queries.is_expired(license_):
        raise Conflict(f"This license expired on {license_.valid_until:%Y-%m-%d}.", code="license_expired")


def active_device(license_: License, hardware_id: str) -> Device:
    """The license's device on this machine, which must be active and not revoked."""
    device = queries.device_of(license_, hardware_id)
    if device is not None and device.is_revoked:
        raise Conflict("This device is blocked from using this license.", code="device_revoked")
    if device is None or not device.is_active:
        raise Conflict("This device is not activated on this license: activate it again.", code="device_not_active")
    return device


def _machine_values(machine: Machine, now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"last_check_in_at": now}
    for name in ("hostname", "os", "sdk_version", "ip"):
        if getattr(machine, name):
            values[name] = getattr(machine, name)
    return values


def _activation_refused(license_: License) -> Conflict:
    """Why the conditional UPDATE matched no row, read again after it."""
    _refresh(license_)
    check_usable(license_)
    if license_.max_activations is not None and license_.times_activated >= license_.max_activations:
        return Conflict(
            f"All {license_.max_activations} activations of this license are in use: deactivate a device first.",
            code="activation_limit",
        )
    return Conflict(
        f"This license has been moved to another device {license_.transfer_count} times, its limit.",
        code="transfer_limit",
    )


def activate(license_: License, machine: Machine, *, actor: Actor) -> Device:
    """Activate the license on a machine, counting an activation (and a transfer to a new machine)."""
    check_usable(license_)
    now = utcnow()
    device = queries.device_of(license_, machine.hardware_id)
    if device is not None and device.is_revoked:
        raise Conflict("This device is blocked from activating this license.", code="device_revoked")
    if device is not None and device.is_active:
        _set_device(device, **_machine_values(machine, now))
        return device
    transfer = device is None and bool(
        db.session.scalar(sa.select(sa.exists().where(Device.license_id == license_.id, sa.not_(Device.is_active))))
    )
    if device is None:
        device = Device(license_id=license_.id, hardware_id=machine.hardware_id, first_activated_at=now)
        for name, value in _machine_values(machine, now).items():
            setattr(device, name, value)
        try:
            with db.session.begin_nested():
                db.session.add(device)
        except IntegrityError:
            raise Conflict("This device is being activated by another request: try again.", code="conflict") from None
    elif not _set_device(
        device,
        sa.not_(Device.is_active),
        sa.not_(Device.is_revoked),
        is_active=True,
        deactivated_at=None,
        **_machine_values(machine, now),
    ):
        raise Conflict("This device changed meanwhile: try again.", code="conflict")
    criteria = [
        License.status != "disabled",
        sa.or_(License.max_activations.is_(None), License.times_activated < License.max_activations),
    ]
    values: dict[str, Any] = {
        "times_activated": License.times_activated + 1,
        "status": sa.case((License.status == "inactive", "active"), else_=License.status),
    }
    if transfer:
        criteria.append(sa.or_(License.transfer_limit.is_(None), License.transfer_count < License.transfer_limit))
        values["transfer_count"] = License.transfer_count + 1
    if not _set_license(license_, *criteria, **values):
        raise _activation_refused(license_)
    audit.record(
        "device.activated",
        device,
        actor=actor,
        after={"times_activated": license_.times_activated, "transfer": transfer},
    )
    _emit("license.activated", license_, device)
    return device


def check_in(license_: License, machine: Machine, *, actor: Actor) -> Device:
    """The heartbeat: refused after a reset, a revoke or a disable; a stale floating seat is let go."""
    check_usable(license_)
    device = active_device(license_, machine.hardware_id)
    now = utcnow()
    if license_.is_floating and _reclaim(license_, now, Device.id == device.id):
        _refresh(license_, device)
    values = _machine_values(machine, now)
    # Conditional, so a reset or revoke that commits between the read and here still refuses.
    if not _checked_in(device, values):
        raise Conflict("This device is not activated on this license: activate it again.", code="device_not_active")
    return device


@functools.cache
def _check_in_update(names: tuple[str, ...]) -> Any:
    """The heartbeat's UPDATE, built once per set of machine fields sent (the hottest statement)."""
    return (
        sa.update(Device)
        .where(Device.id == sa.bindparam("device_id"), Device.is_active, sa.not_(Device.is_revoked))
        .values({name: sa.bindparam(f"new_{name}") for name in names})
        .execution_options(synchronize_session=False)
    )


def _checked_in(device: Device, values: dict[str, Any]) -> bool:
    params = {f"new_{name}": value for name, value in values.items()}
    result = cast(
        "CursorResult[Any]", db.session.execute(_check_in_update(tuple(values)), {"device_id": device.id, **params})
    )
    if not result.rowcount:
        return False
    for name, value in values.items():
        so.attributes.set_committed_value(device, name, value)
    return True


def deactivate(license_: License, machine: Machine, *, actor: Actor) -> Device:
    """Deactivate the machine, freeing its activation and any floating seat (a later move is a transfer)."""
    device = active_device(license_, machine.hardware_id)
    devices.reset(device, actor=actor)
    _refresh(license_, device)
    _emit("license.deactivated", license_, device)
    return device


def _emit(event: str, license_: License, device: Device) -> None:
    payload = {"license": webhooks.license_data(license_), "device": webhooks.device_data(device)}
    webhooks.emit(event, payload, vendor_account_id=license_.vendor_account_id)


def _reclaim(license_: License, now: dt.datetime, *criteria: Any) -> int:
    """Let go of stale floating seats (only those matching ``criteria``); return how many."""
    freed = _dml(
        sa.update(Device)
        .where(Device.license_id == license_.id, queries.stale_seat(license_, now), *criteria)
        .values(floating_in_use=False, floating_since=None, borrowed_until=None)
    ).rowcount
    if freed:
        left = sa.case((License.floating_in_use > freed, License.floating_in_use - freed), else_=0)
        _update(License, license_.id, floating_in_use=left)
    return freed


def acquire_seat(license_: License, machine: Machine, *, actor: Actor) -> Device:
    """Take a floating seat for the machine, reclaiming a stale one when every seat is held."""
    check_usable(license_)
    if not license_.is_floating:
        raise Conflict("This license is not floating: it has no seats to acquire.", code="not_floating")
    device = active_device(license_, machine.hardware_id)
    now = utcnow()
    keep = queries.stale_seat(license_, now)
    if _set_device(device, Device.floating_in_use, sa.not_(keep), **_machine_values(machine, now)):
        return device  # it holds a live seat already
    stale = _dml(
        sa.update(Device)
        .where(Device.license_id == license_.id, keep)
        .values(floating_in_use=False, floating_since=None, borrowed_until=None)
    ).rowcount
    if not _set_license(
        license_,
        License.floating_in_use - stale < License.floating_seats,
        floating_in_use=License.floating_in_use - stale + 1,
    ):
        raise Conflict(
            f"No free floating seat: all {license_.floating_seats} seats of this license are in use.",
            code="no_floating_seat",
        )
    _set_device(device, floating_in_use=True, floating_since=now, **_machine_values(machine, now))
    audit.record("device.seat_acquired", device, actor=actor, after={"floating_in_use": license_.floating_in_use})
    return device


def release_seat(license_: License, machine: Machine, *, actor: Actor) -> Device:
    """Give the machine's floating seat back (nothing happens when it holds none)."""
    device = active_device(license_, machine.hardware_id)
    devices.release(device, actor=actor)
    _refresh(license_, device)
    return device


def borrow(license_: License, machine: Machine, until: dt.datetime, *, actor: Actor) -> Device:
    """Hold a floating seat until a date, at most the license's ``max_borrow_hours`` from now."""
    check_usable(license_)
    now = utcnow()
    if until <= now:
        raise Invalid.at("until", "Choose a date and time in the future.")
    if not license_.is_floating or not license_.max_borrow_hours:
        raise Conflict("This license does not allow borrowing a seat.", code="borrow_limit")
    if until > now + dt.timedelta(hours=license_.max_borrow_hours):
        raise Conflict(f"A seat may be borrowed for at most {license_.max_borrow_hours} hours.", code="borrow_limit")
    device = acquire_seat(license_, machine, actor=actor)
    devices.borrow(device, until, actor=actor)
    _refresh(license_, device)
    return device


def add_usage(license_: License, machine: Machine, amount: int, *, actor: Actor) -> Device:
    """Count uses of a consumption license, never past ``max_consumptions``."""
    check_usable(license_)
    if not 1 <= amount <= MAX_USAGE:
        raise Invalid.at("amount", f"Enter a whole number from 1 to {MAX_USAGE}.")
    if license_.license_type != "consumption" and license_.max_consumptions is None:
        raise Conflict("This license does not count consumptions.", code="not_consumption")
    device = active_device(license_, machine.hardware_id)
    if not _set_license(
        license_,
        License.status != "disabled",
        sa.or_(License.max_consumptions.is_(None), License.consumptions + amount <= License.max_consumptions),
        consumptions=License.consumptions + amount,
    ):
        _refresh(license_)
        check_usable(license_)
        raise Conflict(
            f"Only {(license_.max_consumptions or 0) - license_.consumptions} of "
            f"{license_.max_consumptions} consumptions are left.",
            code="consumption_limit",
        )
    _set_device(device, **_machine_values(machine, utcnow()))
    return device


def sweep_stale_seats(license_: License) -> int:
    """Free every stale floating seat of one license (for the periodic job); return how many."""
    freed = _reclaim(license_, utcnow())
    _refresh(license_)
    return freed
