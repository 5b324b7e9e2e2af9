"""What needs a license manager's attention, inside their scope, bounded however big it is.

Three kinds, each switchable off by the manager (``ManagerNotices``): licenses that expire in
30, 7 or 1 days; invitations on their orders not yet accepted; floating seats held past their
license's timeout (a machine that died holding one). Every read is bounded: a few rows shown
and a capped count, through the manager's scope (``portal.scope``) and the vendor boundary
underneath (``portal.tenancy``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import lists, scope
from portal.extensions import db
from portal.models import (
    CustomerAccount,
    Device,
    License,
    LicenseManager,
    LicenseUser,
    ManagerNotices,
    OrderManager,
    utcnow,
)
from portal.models.notices import EXPIRING, FLOATING, INVITATIONS, KINDS
from portal.services.activations.queries import stale_after

# A digest mentions a license on the day it is this many days from its end.
EXPIRY_NOTICE_DAYS = (30, 7, 1)
SHOWN = 10


@dataclass(frozen=True)
class Settings:
    """Which kinds of notice a manager wants (all of them until they say otherwise)."""

    expiring: bool = True
    invitations: bool = True
    floating: bool = True

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


@dataclass(frozen=True)
class Listing:
    """A capped count and the first few rows of one kind of notice."""

    count: int = 0
    rows: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Notices:
    """Everything a manager should hear about now; kinds switched off are empty."""

    expiring: dict[int, Listing]
    invitations: Listing
    floating: Listing

    @property
    def empty(self) -> bool:
        return not (any(x.count for x in self.expiring.values()) or self.invitations.count or self.floating.count)


def row_of(manager_id: int) -> ManagerNotices | None:
    return db.session.get(ManagerNotices, manager_id)


def settings_of(manager_id: int) -> Settings:
    row = row_of(manager_id)
    if row is None:
        return Settings()
    return Settings(**{kind: getattr(row, kind) for kind in KINDS})


def _listing(stmt: sa.Select[Any], shown: int, ids: list[int] | None = None) -> Listing:
    if ids is not None:  # the rows a kept summary named, read again: whichever still qualify
        rows = list(db.session.scalars(stmt.limit(len(ids))).unique())
        return Listing(len(rows), rows)
    count = lists.count(stmt)
    if not count or not shown:
        return Listing(count)
    return Listing(count, list(db.session.scalars(stmt.limit(shown)).unique()))


def _mine(manager_id: int, ids: list[int] | None, id_column: Any, order_id: Any) -> sa.ColumnElement[bool]:
    """In the manager's scope: by the collected scope, or (rows named by id) probed row by row."""
    if ids is None:
        return order_id.in_(scope.managed_order_ids(manager_id))
    return sa.and_(id_column.in_(ids), scope.manages(manager_id, order_id))


def expiring_in(
    manager_id: int, days: int, today: dt.date, shown: int = SHOWN, ids: list[int] | None = None
) -> Listing:
    """Enabled licenses under the manager's orders whose end falls on the day ``days`` from ``today``.

    With ``ids``, only those licenses (a kept summary's), each tested against the scope, uncounted.
    """
    start = dt.datetime.combine(today + dt.timedelta(days=days), dt.time())
    stmt = (
        sa.select(License)
        .where(
            _mine(manager_id, ids, License.id, License.order_id),
            License.status != "disabled",
            License.valid_until >= start,
            License.valid_until < start + dt.timedelta(days=1),
        )
        .options(so.joinedload(License.product), so.joinedload(License.order))
        .order_by(License.valid_until, License.id)
    )
    return _listing(stmt, shown, ids)


def expiring_within(manager_id: int, days: int, now: dt.datetime) -> int:
    """How many enabled licenses end from now to the end of the day ``days`` from today (capped).

    Counted by calendar day (UTC), as the digest names them: "within 7 days" includes every
    license the digest said "expires in 7 days" about.
    """
    end = dt.datetime.combine(now.date() + dt.timedelta(days=days + 1), dt.time())
    return lists.count(
        sa.select(License).where(
            License.order_id.in_(scope.managed_order_ids(manager_id)),
            License.status != "disabled",
            License.valid_until >= now,
            License.valid_until < end,
        )
    )


def pending_invitations(manager_id: int, shown: int = SHOWN, ids: list[int] | None = None) -> Listing:
    """Other managers on this manager's orders who were invited and have not accepted yet."""
    on_my_orders: sa.ColumnElement[bool]
    if ids is None:
        on_my_orders = LicenseManager.id.in_(
            sa.select(OrderManager.manager_id).where(OrderManager.order_id.in_(scope.managed_order_ids(manager_id)))
        )
    else:
        theirs = so.aliased(OrderManager, name="their_order")
        on_my_orders = sa.and_(
            LicenseManager.id.in_(ids),
            sa.select(theirs.order_id)
            .where(theirs.manager_id == LicenseManager.id, scope.manages(manager_id, theirs.order_id))
            .exists(),
        )
    stmt = (
        sa.select(LicenseManager)
        .where(LicenseManager.id != manager_id, LicenseManager.status == "invited", on_my_orders)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .options(so.contains_eager(LicenseManager.license_user))
        .order_by(LicenseManager.invited_at, LicenseManager.id)
    )
    return _listing(stmt, shown, ids)


def floating_held(manager_id: int, now: dt.datetime, shown: int = SHOWN, ids: list[int] | None = None) -> Listing:
    """Devices holding a floating seat past their license's timeout, under the manager's orders."""
    mine = _mine(manager_id, ids, Device.id, License.order_id)
    timeouts = db.session.scalars(
        sa.select(License.floating_timeout_minutes)
        .join(Device, Device.license_id == License.id)
        .where(mine, License.is_floating, License.floating_in_use > 0)
        .distinct()
        if ids is not None
        else sa.select(License.floating_timeout_minutes)
        .where(mine, License.is_floating, License.floating_in_use > 0)
        .distinct()
    ).all()
    if not timeouts:
        return Listing()
    stale = sa.or_(
        *(sa.and_(License.floating_timeout_minutes == minutes, stale_after(minutes, now)) for minutes in timeouts)
    )
    stmt = (
        sa.select(Device)
        .join(License, License.id == Device.license_id)
        .where(mine, License.is_floating, stale)
        .options(so.contains_eager(Device.license).joinedload(License.product))
        .order_by(Device.id)
    )
    return _listing(stmt, shown, ids)


def notices_for(manager_id: int, now: dt.datetime | None = None, settings: Settings | None = None) -> Notices:
    """What the manager's digest carries today, honouring their switches."""
    now = now or utcnow()
    settings = settings or settings_of(manager_id)
    today = now.date()
    return Notices(
        expiring={d: expiring_in(manager_id, d, today) for d in EXPIRY_NOTICE_DAYS} if settings.wants(EXPIRING) else {},
        invitations=pending_invitations(manager_id) if settings.wants(INVITATIONS) else Listing(),
        floating=floating_held(manager_id, now) if settings.wants(FLOATING) else Listing(),
    )


def digest_recipients(today: dt.date, after_id: int, limit: int) -> list[LicenseManager]:
    """Active managers (of the current tenant) not yet sent today's digest, in id order from ``after_id``."""
    sent_today = sa.select(ManagerNotices.manager_id).where(ManagerNotices.last_digest_on == today)
    return list(
        db.session.scalars(
            sa.select(LicenseManager)
            .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
            .where(
                LicenseManager.status == "active",
                LicenseUser.is_active,
                LicenseManager.id > after_id,
                LicenseManager.id.not_in(sent_today),
            )
            .options(so.contains_eager(LicenseManager.license_user))
            .order_by(LicenseManager.id)
            .limit(limit)
        )
    )


def organisations_of(managers: list[LicenseManager]) -> dict[int, str]:
    """The name of each of these managers' customer accounts (their organisation), by account id."""
    ids = {m.customer_account_id for m in managers if m.customer_account_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(CustomerAccount.id, CustomerAccount.name).where(CustomerAccount.id.in_(ids)))
    return dict(rows.tuples().all())


def manager_of_calendar(token_hash: str) -> LicenseManager | None:
    """The manager whose calendar feed this secret opens (the caller chooses the tenant scope)."""
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(ManagerNotices, ManagerNotices.manager_id == LicenseManager.id)
        .join(LicenseUser, LicenseUser.id == LicenseManager.license_user_id)
        .where(ManagerNotices.calendar_token_hash == token_hash, LicenseManager.status == "active")
        .options(so.contains_eager(LicenseManager.license_user))
    )


def calendar_licenses(manager_id: int, now: dt.datetime, limit: int = 1000) -> list[License]:
    """The licenses with an end date in the feed: from 30 days ago on, soonest first, bounded."""
    return list(
        db.session.scalars(
            sa.select(License)
            .where(
                License.order_id.in_(scope.managed_order_ids(manager_id)),
                License.valid_until >= now - dt.timedelta(days=30),
            )
            .options(so.joinedload(License.product), so.joinedload(License.order))
            .order_by(License.valid_until, License.id)
            .limit(limit)
        )
    )


def open_calendar(secret: str) -> LicenseManager | None:
    """The manager a feed secret belongs to, with the session scoped to their vendor account; else None."""
    from portal.services.notices.actions import calendar_hash
    from portal.tenancy import all_tenants, set_tenant

    if not secret or len(secret) > 100:
        return None
    with all_tenants(db.session):
        manager = manager_of_calendar(calendar_hash(secret))
    if manager is not None:
        set_tenant(db.session, manager.vendor_account_id)
    return manager


@dataclass(frozen=True)
class Attention:
    """The dashboard's "needs your attention" card: capped counts of each kind, now."""

    expiring: dict[int, int]
    invitations: int
    floating: int

    @property
    def empty(self) -> bool:
        return not (any(self.expiring.values()) or self.invitations or self.floating)


def attention(manager_id: int, now: dt.datetime | None = None) -> Attention:
    """What the dashboard card counts: licenses ending within 1, 7 and 30 days, invitations, stale seats."""
    now = now or utcnow()
    return Attention(
        expiring={d: expiring_within(manager_id, d, now) for d in sorted(EXPIRY_NOTICE_DAYS)},
        invitations=pending_invitations(manager_id, shown=0).count,
        floating=floating_held(manager_id, now, shown=0).count,
    )
