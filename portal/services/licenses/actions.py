"""License actions in the End User Portal: enable, disable, note, reset.

Counts change only through conditional UPDATEs, so two requests at once can never push a
count past its limit or below zero, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import audit
from portal.audit import Actor
from portal.extensions import db
from portal.models import Device, License, utcnow
from portal.services import affected


def _update_license(license_: License, *criteria, **values) -> int:
    """A conditional UPDATE of one license; returns how many rows matched (0 or 1)."""
    result = db.session.execute(
        sa.update(License)
        .where(License.id == license_.id, *criteria)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(license_)
    return affected(result)


def disable(license_: License, *, actor: Actor) -> bool:
    """Disable a license, remembering its status so that enabling restores it."""
    before = {"status": license_.status}
    changed = _update_license(
        license_, License.status != "disabled", status="disabled", status_before_disable=License.status
    )
    if changed:
        audit.record("license.disabled", license_, actor=actor, before=before, after={"status": "disabled"})
    return bool(changed)


def enable(license_: License, *, actor: Actor) -> bool:
    """Enable a disabled license: back to the status it had before."""
    fallback = sa.case((License.times_activated > 0, "active"), else_="inactive")
    changed = _update_license(
        license_,
        License.status == "disabled",
        status=sa.func.coalesce(License.status_before_disable, fallback),
        status_before_disable=None,
    )
    if changed:
        audit.record(
            "license.enabled", license_, actor=actor, before={"status": "disabled"}, after={"status": license_.status}
        )
    return bool(changed)


def set_note(license_: License, note: str, *, actor: Actor) -> bool:
    """Replace the license's note."""
    before = license_.note
    if before == note:
        return False
    _update_license(license_, note=note)
    audit.record("license.note_changed", license_, actor=actor, before={"note": before}, after={"note": note})
    return True


def _counts(license_: License) -> dict:
    return {
        "times_activated": license_.times_activated,
        "floating_in_use": license_.floating_in_use,
        "consumptions": license_.consumptions,
    }


def reset(license_: License, *, actor: Actor) -> int:
    """Deactivate every device of the license and set its counts to zero; return devices reset.

    Devices are kept, deactivated, so their history and any revocation (a block on activating
    again) survive the reset.
    """
    before = _counts(license_)
    now = utcnow()
    result = db.session.execute(
        sa.update(Device)
        .where(Device.license_id == license_.id, sa.or_(Device.is_active, Device.floating_in_use))
        .values(
            is_active=False,
            floating_in_use=False,
            floating_since=None,
            borrowed_until=None,
            deactivated_at=sa.case((Device.is_active, now), else_=Device.deactivated_at),
        )
        .execution_options(synchronize_session=False)
    )
    _update_license(license_, times_activated=0, floating_in_use=0, consumptions=0)
    after = _counts(license_) | {"devices_deactivated": affected(result)}
    audit.record("license.reset", license_, actor=actor, before=before, after=after)
    return affected(result)
