"""What a license manager reaches: their orders and everything under them, as SQL.

These subqueries are the one definition of a manager's scope. The web's loaders
(``portal.access``) fetch by id inside them and answer 404 outside; every list, count,
event and export of the End User Portal filters by them too. They take the manager, so they
run without a request (services, the CLI, the API, jobs). The vendor boundary itself is
held underneath by ``portal.tenancy``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from portal.models import (
    License,
    LicenseAssignment,
    LicenseManager,
    LicenseUser,
    OrderManager,
    UserGroupManager,
    UserGroupMember,
)


def managed_order_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the orders a manager manages."""
    return sa.select(OrderManager.order_id).where(OrderManager.manager_id == manager_id)


def managed_license_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the licenses under the manager's orders."""
    return sa.select(License.id).where(License.order_id.in_(managed_order_ids(manager_id)))


def managed_group_ids(manager_id: int) -> sa.Select[Any]:
    """The ids of the user groups a manager manages."""
    return sa.select(UserGroupManager.user_group_id).where(UserGroupManager.manager_id == manager_id)


def license_user_ids(manager: LicenseManager) -> sa.CompoundSelect[Any]:
    """License users a manager may see: on their licenses, in their groups or their organisation."""
    on_licenses = (
        sa.select(LicenseAssignment.license_user_id)
        .join(License, License.id == LicenseAssignment.license_id)
        .where(License.order_id.in_(managed_order_ids(manager.id)))
    )
    in_groups = sa.select(UserGroupMember.license_user_id).where(
        UserGroupMember.user_group_id.in_(managed_group_ids(manager.id))
    )
    selects = [on_licenses, in_groups]
    if manager.customer_account_id is not None:
        selects.append(sa.select(LicenseUser.id).where(LicenseUser.customer_account_id == manager.customer_account_id))
    return sa.union(*selects)
