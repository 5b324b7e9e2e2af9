"""Reads of the device pages: the floating seats in use on a manager's licenses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope
from portal.lists import Sorts
from portal.models import Device, License

# What a row of the floating seats shows besides the device: its license (joined to scope).
FLOATING_OPTIONS = (so.contains_eager(Device.license),)


FLOATING_SORTS = Sorts(
    {
        "license": (License.license_key, Device.id),
        "host": (Device.hostname, Device.hardware_id, Device.id),
        "ip": (Device.ip, Device.id),
        "os": (Device.os, Device.id),
        "since": (Device.floating_since, Device.id),
        "last_check_in": (Device.last_check_in_at, Device.id),
        "borrowed": (Device.borrowed_until, Device.id),
    },
    default="since",
    nulls_low=True,
)


def floating_query(manager_id: int, sort: str = FLOATING_SORTS.default) -> sa.Select[Any]:
    """Devices holding a floating seat on the manager's licenses, in this sort (longest held first)."""
    stmt = (
        sa.select(Device)
        .join(License, License.id == Device.license_id)
        .where(scope.in_scope(manager_id, License.order_id), Device.floating_in_use)  # large: seats read, tested
        .execution_options(populate_existing=True)
    )
    return FLOATING_SORTS.apply(stmt, sort)
