"""Reads for the management API, inside the caller's orders; built on the areas' queries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope, tenancy
from portal.extensions import db
from portal.lists import Keyset
from portal.models import Device, License, LicenseManager, LicenseUser, Order, OrderManager, VendorAccount
from portal.services.licenses.queries import LicenseFilters, licenses_query


def by_id(model: Any) -> Keyset:
    """Newest first by id: the one order every API list pages by."""
    return Keyset(model.__tablename__, [model.id], [int], lambda row: [row.id], descending=True)


def all_orders() -> sa.Select[Any]:
    return sa.select(Order.id)


def orders(order_ids: sa.Select[Any]) -> sa.Select[Any]:
    return sa.select(Order).where(Order.id.in_(order_ids))


def order(order_ids: sa.Select[Any], order_id: int) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.id == order_id, Order.id.in_(order_ids)))


def order_licenses(order_id: int) -> sa.Select[Any]:
    return (
        sa.select(License)
        .where(License.order_id == order_id)
        .options(so.joinedload(License.product), so.joinedload(License.policy))
    )


def manager_ids_of(order_ids: list[int]) -> dict[int, list[int]]:
    """The managers of each of these orders, in one query."""
    found: dict[int, list[int]] = {i: [] for i in order_ids}
    if order_ids:
        rows = db.session.execute(
            sa.select(OrderManager.order_id, OrderManager.manager_id).where(OrderManager.order_id.in_(order_ids))
        )
        for order_id, manager_id in rows:
            found[order_id].append(manager_id)
    return found


def licenses(order_ids: sa.Select[Any], filters: LicenseFilters) -> sa.Select[Any]:
    """The license list of the portal (same filters) with its ORDER BY left to the pager."""
    return (
        licenses_query(order_ids, filters)
        .order_by(None)
        .options(so.contains_eager(License.order), so.joinedload(License.product), so.joinedload(License.policy))
    )


def license_(order_ids: sa.Select[Any], license_id: int) -> License | None:
    return db.session.scalar(
        sa.select(License)
        .where(License.id == license_id, License.order_id.in_(order_ids))
        .options(so.joinedload(License.product), so.joinedload(License.policy), so.joinedload(License.order))
    )


def devices(license_id: int) -> sa.Select[Any]:
    return sa.select(Device).where(Device.license_id == license_id)


def all_devices(order_ids: sa.Select[Any], license_id: int | None = None, active: bool | None = None) -> sa.Select[Any]:
    """Every device on a license inside the caller's orders; optionally one license's, or only (in)active ones."""
    stmt = sa.select(Device).join(License, License.id == Device.license_id).where(License.order_id.in_(order_ids))
    if license_id is not None:
        stmt = stmt.where(Device.license_id == license_id)
    if active is not None:
        stmt = stmt.where(Device.is_active.is_(active))
    return stmt


def device(order_ids: sa.Select[Any], device_id: int) -> Device | None:
    return db.session.scalar(
        sa.select(Device)
        .join(License, License.id == Device.license_id)
        .where(Device.id == device_id, License.order_id.in_(order_ids))
        .options(so.contains_eager(Device.license))
    )


def managers(status: str = "") -> sa.Select[Any]:
    stmt = (
        sa.select(LicenseManager)
        .join(LicenseManager.license_user)
        .options(so.contains_eager(LicenseManager.license_user))
    )
    if status:
        stmt = stmt.where(LicenseManager.status == status)
    return stmt


def manager(manager_id: int) -> LicenseManager | None:
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(LicenseManager.license_user)
        .where(LicenseManager.id == manager_id)
        .options(so.contains_eager(LicenseManager.license_user))
    )


def manager_by_email(email: str) -> LicenseManager | None:
    """The vendor's manager with this email (case-insensitive), or None."""
    return db.session.scalar(
        sa.select(LicenseManager)
        .join(LicenseManager.license_user)
        .where(LicenseUser.email == email.strip().lower())
        .options(so.contains_eager(LicenseManager.license_user))
    )


def order_managers(order_id: int) -> sa.Select[Any]:
    """The managers of one order (the caller has loaded the order inside its reach)."""
    return (
        sa.select(LicenseManager)
        .join(OrderManager, OrderManager.manager_id == LicenseManager.id)
        .join(LicenseManager.license_user)
        .where(OrderManager.order_id == order_id)
        .options(so.contains_eager(LicenseManager.license_user))
    )


def managed_order_ids(manager_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in manager_ids}
    if manager_ids:
        rows = db.session.execute(
            sa.select(OrderManager.manager_id, OrderManager.order_id)
            .where(OrderManager.manager_id.in_(manager_ids))
            .order_by(OrderManager.order_id)
        )
        for manager_id, order_id in rows:
            found[manager_id].append(order_id)
    return found


def managed_by(manager_id: int) -> sa.Select[Any]:
    """The orders one manager manages (``portal.scope``)."""
    return scope.managed_order_ids(manager_id)


def vendor_name() -> str:
    """The name of the vendor account in scope (invitations name it)."""
    tenant = tenancy.current_tenant(db.session)
    return db.session.scalar(sa.select(VendorAccount.name).where(VendorAccount.id == tenant)) or ""
