"""The vendor platform (``/vendor``), for vendor staff: one child blueprint per area.

Every area sits under this blueprint, so its guard (signed in as staff) covers them all and an
endpoint reads as its file: ``vendor.license_managers.detail`` is the ``detail`` view in
``portal/views/vendor/license_managers.py``.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect

from portal.access import require_side
from portal.identity import STAFF
from portal.views.vendor import audit_log

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
require_side(bp, STAFF)


@bp.get("/")
def index() -> Response:
    """Open the License Managers page, the heart of the vendor platform."""
    return redirect("/vendor/license-managers")  # type: ignore[return-value]


# Each area module defines ``bp``; add new areas here.
AREAS: list[Blueprint] = [audit_log.bp]
for _area in AREAS:
    bp.register_blueprint(_area)
