"""Reads of the device pages: the floating seats in use on a manager's licenses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from portal import scope
from portal.models import Device, License

# What a row of the floating seats shows besides the device: its license (joined to scope).
FLOATING_OPTIONS = (so.contains_eager(Device.license),)


def floating_query(manager_id: int) -> sa.Select[Any]:
    """Devices holding a floating seat on the manager's licenses, longest held first."""
    return (
        sa.select(Device)
        .join(License, License.id == Device.license_id)
        .where(License.order_id.in_(scope.managed_order_ids(manager_id)), Device.floating_in_use)
        .order_by(Device.floating_since, Device.id)
        .execution_options(populate_existing=True)
    )
