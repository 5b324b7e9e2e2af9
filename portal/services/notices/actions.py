"""A manager's notice switches, their calendar feed's secret, and the daily digest's bookkeeping."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from portal import audit
from portal.audit import Actor
from portal.extensions import db
from portal.models import LicenseManager, ManagerNotices, utcnow
from portal.models.notices import KINDS
from portal.services.notices.queries import Settings, row_of


def _row(manager: LicenseManager) -> ManagerNotices:
    row = row_of(manager.id)
    if row is None:
        row = ManagerNotices(manager_id=manager.id, vendor_account_id=manager.vendor_account_id)
        for kind in KINDS:
            setattr(row, kind, True)
        db.session.add(row)
    return row


def calendar_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def save_settings(manager: LicenseManager, wanted: Settings, *, actor: Actor) -> bool:
    """Switch kinds of notice on or off; return whether anything changed (audited when it did)."""
    row = _row(manager)
    before = {kind: bool(getattr(row, kind)) for kind in KINDS}
    after = {kind: wanted.wants(kind) for kind in KINDS}
    if before == after:
        return False
    for kind, on in after.items():
        setattr(row, kind, on)
    audit.record("license_manager.notices_changed", manager, actor=actor, before=before, after=after)
    db.session.flush()
    return True


def new_calendar_secret(manager: LicenseManager, *, actor: Actor) -> str:
    """Make a new private feed address (ending the old one); return its secret, shown once."""
    row = _row(manager)
    secret = secrets.token_urlsafe(24)
    had = row.calendar_token_hash is not None
    row.calendar_token_hash = calendar_hash(secret)
    row.calendar_created_at = utcnow()
    audit.record(
        "license_manager.calendar_renewed" if had else "license_manager.calendar_created", manager, actor=actor
    )
    db.session.flush()
    return secret


def revoke_calendar(manager: LicenseManager, *, actor: Actor) -> bool:
    """End the private feed address; a calendar app that still asks gets 404."""
    row = row_of(manager.id)
    if row is None or row.calendar_token_hash is None:
        return False
    row.calendar_token_hash = None
    row.calendar_created_at = None
    audit.record("license_manager.calendar_revoked", manager, actor=actor)
    db.session.flush()
    return True


def mark_digest_sent(manager: LicenseManager, today: dt.date) -> None:
    """Note that today's digest went out (or had nothing to say), so the daily job skips the manager."""
    _row(manager).last_digest_on = today
