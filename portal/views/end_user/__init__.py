"""The End User Portal (``/portal``), for license managers: one child blueprint per area.

Every area sits under this blueprint, so its guard (signed in as a license manager, with a
password of their own) covers them all and an endpoint reads as its file:
``end_user.licenses.detail`` is the ``detail`` view in ``portal/views/end_user/licenses.py``.
Sign-in, sign-out and the password links for people not signed in live in ``portal/views/auth.py``.
"""

from __future__ import annotations

from flask import Blueprint

from portal.access import impersonator, refuse_writes_while_viewing_as, require_side
from portal.identity import MANAGER
from portal.views.end_user import (
    account,
    activity,
    cells,
    dashboard,
    devices,
    licenses,
    notices,
    offline,
    orders,
    reports,
    tokens,
    user_groups,
    users,
)

bp = Blueprint("end_user", __name__, url_prefix="/portal")
require_side(bp, MANAGER)
# Staff viewing the portal as a manager: every write refused, on every /portal and /api URL.
bp.before_app_request(refuse_writes_while_viewing_as)
bp.add_app_template_global(impersonator, "impersonator")
for _name, _cell in cells.GLOBALS.items():
    bp.add_app_template_global(_cell, _name)

# Each area module defines ``bp``; add new areas here.
AREAS: list[Blueprint] = [
    dashboard.bp,
    orders.bp,
    reports.bp,
    activity.bp,
    licenses.bp,
    devices.bp,
    offline.bp,
    users.bp,
    user_groups.bp,
    account.bp,
    notices.bp,
    tokens.bp,
]
for _area in AREAS:
    bp.register_blueprint(_area)
