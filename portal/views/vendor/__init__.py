"""The vendor platform (``/vendor``), for vendor staff: one child blueprint per area.

Every area sits under this blueprint, so its guard (signed in as staff) covers them all and an
endpoint reads as its file: ``vendor.license_managers.detail`` is the ``detail`` view in
``portal/views/vendor/license_managers.py``. Staff roles are checked for every ``/vendor``
URL, whichever blueprint serves it (``access.check_staff_role``).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect

from portal.access import check_staff_role, require_side, staff_can
from portal.identity import STAFF
from portal.views.vendor import (
    account,
    api_keys,
    audit_log,
    impersonation,
    jobs,
    license_manager_bulk,
    license_manager_defaults,
    license_manager_list,
    license_manager_profile,
    license_managers,
    settings,
    webhooks,
)

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
require_side(bp, STAFF)
bp.before_request(account.require_enrolment)
# App-wide rather than bp.before_request: areas not yet moved under this blueprint serve /vendor too.
bp.before_app_request(check_staff_role)
bp.add_app_template_global(staff_can, "staff_can")


@bp.get("/")
def index() -> Response:
    """Open the License Managers page, the heart of the vendor platform."""
    return redirect("/vendor/license-managers")  # type: ignore[return-value]


# Each area module defines ``bp``; add new areas here.
AREAS: list[Blueprint] = [
    license_managers.bp,
    license_manager_list.bp,
    license_manager_bulk.bp,
    license_manager_profile.bp,
    license_manager_defaults.bp,
    impersonation.bp,
    audit_log.bp,
    settings.bp,
    api_keys.bp,
    webhooks.bp,
    jobs.bp,
    account.bp,
]
for _area in AREAS:
    bp.register_blueprint(_area)
